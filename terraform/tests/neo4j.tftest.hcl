# Neo4j is private: no public IP, Bolt only from the API's security group, encrypted storage.

mock_provider "aws" {
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
  mock_data "aws_ssm_parameter" {
    defaults = { value = "ami-0123456789abcdef0" }
  }
  mock_data "aws_subnet" {
    defaults = { availability_zone = "us-east-1a" }
  }
}

variables {
  name                      = "kw-test"
  region                    = "us-east-1"
  vpc_id                    = "vpc-0123456789abcdef0"
  subnet_id                 = "subnet-0123456789abcdef0"
  client_security_group_ids = ["sg-0123456789abcdef0"]
  kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  password_secret_arn       = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kw-test/neo4j-AbCdEf"
}

run "neo4j_is_private" {
  command = apply
  module {
    source = "./modules/neo4j"
  }

  assert {
    condition     = aws_instance.neo4j.associate_public_ip_address == false
    error_message = "Neo4j must not have a public IP"
  }
  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.bolt : r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.referenced_security_group_id == "sg-0123456789abcdef0"])
    error_message = "Neo4j admits traffic from a CIDR instead of the API's security group"
  }
  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.bolt : r.from_port == 7687 && r.to_port == 7687])
    error_message = "Neo4j admits more than Bolt"
  }
  assert {
    condition     = aws_instance.neo4j.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 must be required"
  }
  assert {
    condition     = aws_ebs_volume.data.encrypted && aws_ebs_volume.data.type == "gp3" && aws_instance.neo4j.root_block_device[0].encrypted
    error_message = "Neo4j's volumes must be encrypted gp3"
  }
  assert {
    condition     = !strcontains(aws_instance.neo4j.user_data, "password=") && strcontains(aws_instance.neo4j.user_data, "get-secret-value")
    error_message = "the password must come from Secrets Manager at boot, not user data"
  }
  assert {
    condition     = aws_dlm_lifecycle_policy.daily.policy_details[0].target_tags["Snapshot"] == aws_ebs_volume.data.tags["Snapshot"]
    error_message = "the daily snapshot policy does not target the data volume"
  }
}

run "neo4j_needs_a_client" {
  command = plan
  module {
    source = "./modules/neo4j"
  }
  variables {
    client_security_group_ids = []
  }
  expect_failures = [var.client_security_group_ids]
}
