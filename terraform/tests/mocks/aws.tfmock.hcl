# The AWS provider's mocked values, shared by every test file (mock_provider "aws" { source = ... }).
# Mocked ARNs must still look like ARNs: the provider validates the attributes that receive them.
mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:us-east-1:123456789012:kw-test-alarms" }
}
mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
}
mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/kw-test" }
}
mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:kw-test" }
}
mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::kw-test-media" }
}
mock_resource "aws_lb" {
  defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/kw-test/0123456789abcdef", arn_suffix = "app/kw-test/0123456789abcdef", dns_name = "kw-test-123.us-east-1.elb.amazonaws.com" }
}
mock_resource "aws_lb_target_group" {
  defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kw-0123/0123456789abcdef", arn_suffix = "targetgroup/kw-0123/0123456789abcdef" }
}
mock_resource "aws_ecs_cluster" {
  defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/kw-test", id = "arn:aws:ecs:us-east-1:123456789012:cluster/kw-test" }
}
mock_resource "aws_ecs_task_definition" {
  defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/kw-test:1" }
}
mock_resource "aws_iam_instance_profile" {
  defaults = { arn = "arn:aws:iam::123456789012:instance-profile/kw-test" }
}
mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}
mock_data "aws_availability_zones" {
  defaults = { names = ["us-east-1a", "us-east-1b"] }
}
mock_data "aws_ssm_parameter" {
  defaults = { value = "ami-0123456789abcdef0" }
}
mock_data "aws_subnet" {
  defaults = { availability_zone = "us-east-1a" }
}
mock_resource "aws_wafv2_web_acl" {
  defaults = { arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/kw-test/00000000-0000-0000-0000-000000000000" }
}
mock_resource "aws_secretsmanager_secret" {
  defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kw-test/secret-AbCdEf" }
}
mock_data "aws_elb_service_account" {
  defaults = { arn = "arn:aws:iam::127311923021:root" }
}
mock_data "aws_region" {
  defaults = { name = "us-east-1" }
}
mock_resource "aws_db_instance" {
  defaults = { master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0000-AbCdEf", kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000", secret_status = "active" }], address = "kw-test-phoenix.abc.us-east-1.rds.amazonaws.com", port = 5432 }
}
mock_resource "aws_service_discovery_service" {
  defaults = { arn = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-0123456789abcdef" }
}
mock_resource "aws_service_discovery_private_dns_namespace" {
  defaults = { name = "kw-test.internal" }
}
mock_resource "aws_dynamodb_table" {
  defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/kw-test-sessions" }
}
mock_resource "aws_sqs_queue" {
  defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:kw-test-jobs", url = "https://sqs.us-east-1.amazonaws.com/123456789012/kw-test-jobs" }
}
