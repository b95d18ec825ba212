# Neo4j is private: no public IP, Bolt only from the API's security group, encrypted storage.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                      = "kw-test"
  region                    = "us-east-1"
  vpc_id                    = "vpc-0123456789abcdef0"
  subnet_id                 = "subnet-0123456789abcdef0"
  client_security_group_ids = ["sg-0123456789abcdef0"]
  kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  password_secret_arn       = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kw-test/neo4j-AbCdEf"
  backup_bucket_name        = "kw-test-media"
  backup_bucket_arn         = "arn:aws:s3:::kw-test-media"
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

run "neo4j_data_survives_mistakes" {
  command = apply
  module {
    source = "./modules/neo4j"
  }

  assert {
    condition     = aws_instance.neo4j.disable_api_termination && aws_instance.neo4j.instance_initiated_shutdown_behavior == "stop"
    error_message = "the Neo4j host must have termination protection"
  }
  assert {
    condition     = aws_ebs_volume.data.final_snapshot
    error_message = "deleting the data volume must snapshot it first"
  }
  assert {
    condition = alltrue([for s in ["neo4j-admin database dump neo4j", "s3://kw-test-media/backups/neo4j/", "OnCalendar=*-*-* 03:30:00 UTC", "BackupSucceeded", "systemctl start neo4j"] :
    strcontains(aws_instance.neo4j.user_data, s)])
    error_message = "the host must dump Neo4j nightly to the backup bucket, restart it and report success"
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
