# The optional Phoenix on ECS: private, authenticated, its database reachable from Phoenix only.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                     = "kw-test"
  region                   = "us-east-1"
  account_id               = "123456789012"
  vpc_id                   = "vpc-0123456789abcdef0"
  private_subnet_ids       = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  client_security_group_id = "sg-0123456789abcdef0"
  cluster_arn              = "arn:aws:ecs:us-east-1:123456789012:cluster/kw-test"
  admin_security_group_ids = { neo4j_host = "sg-0123456789abcdef9" }
  kms_key_arn              = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

run "phoenix_is_private_and_authenticated" {
  command = apply
  module {
    source = "./modules/phoenix"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.phoenix_from_clients.referenced_security_group_id == "sg-0123456789abcdef0" && aws_vpc_security_group_ingress_rule.phoenix_from_clients.cidr_ipv4 == null
    error_message = "only the API tasks' security group may reach Phoenix"
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.phoenix_from_admin_hosts) == 1 && aws_vpc_security_group_ingress_rule.phoenix_from_admin_hosts["neo4j_host"].referenced_security_group_id == "sg-0123456789abcdef9"
    error_message = "people reach the UI only through the named admin host's security group"
  }
  assert {
    condition     = aws_ecs_service.phoenix.network_configuration[0].assign_public_ip == false
    error_message = "Phoenix must have no public IP"
  }
  assert {
    condition     = contains([for e in jsondecode(aws_ecs_task_definition.phoenix.container_definitions)[0].environment : "${e.name}=${e.value}"], "PHOENIX_ENABLE_AUTH=true")
    error_message = "Phoenix must run with auth on"
  }
  assert {
    condition     = toset([for s in jsondecode(aws_ecs_task_definition.phoenix.container_definitions)[0].secrets : s.name]) == toset(["PHOENIX_POSTGRES_PASSWORD", "PHOENIX_SECRET", "PHOENIX_DEFAULT_ADMIN_INITIAL_PASSWORD"])
    error_message = "Phoenix's database password and auth secret must come from Secrets Manager"
  }
  assert {
    condition     = aws_db_instance.phoenix.publicly_accessible == false && aws_db_instance.phoenix.storage_encrypted && aws_db_instance.phoenix.manage_master_user_password && aws_db_instance.phoenix.password == null
    error_message = "the database must be private, encrypted, with an RDS-managed password (never in state)"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.db_from_phoenix.referenced_security_group_id == aws_security_group.phoenix.id
    error_message = "only Phoenix may reach its database"
  }
}
