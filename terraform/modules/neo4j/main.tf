# Neo4j 5 Community on one EC2 instance in a private subnet: no public IP, Bolt (7687) reachable only
# from the API's security group, data on an encrypted gp3 volume snapshotted daily, a consistent
# `neo4j-admin database dump` to S3 nightly, administered through SSM Session Manager (no SSH key, no
# port 22), memory and disk reported by the CloudWatch agent. Restore: docs/runbooks/neo4j-restore.md.

data "aws_ssm_parameter" "al2023" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

data "aws_subnet" "selected" {
  id = var.subnet_id
}

resource "aws_security_group" "neo4j" {
  name_prefix = "${var.name}-neo4j-"
  description = "Neo4j: Bolt from the API tasks only"
  vpc_id      = var.vpc_id
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "bolt" {
  count = length(var.client_security_group_ids) # ids are unknown until apply

  security_group_id            = aws_security_group.neo4j.id
  description                  = "Bolt from the API tasks"
  ip_protocol                  = "tcp"
  from_port                    = 7687
  to_port                      = 7687
  referenced_security_group_id = var.client_security_group_ids[count.index]
}

# Outbound HTTPS only: package repositories, SSM, Secrets Manager and CloudWatch endpoints via NAT.
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.neo4j.id
  description       = "HTTPS to AWS APIs and package repositories"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# --- instance role: SSM, CloudWatch agent, the password secret -----------------------------------
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "neo4j" {
  name_prefix        = "${var.name}-neo4j-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.neo4j.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_role_policy_attachment" "cloudwatch_agent" {
  role       = aws_iam_role.neo4j.name
  policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
}

# The host creates the password once (first boot) and reads it back on re-runs of the bootstrap.
data "aws_iam_policy_document" "password" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
    resources = [var.password_secret_arn]
  }
  # The nightly dump goes to backups/neo4j/ in the media bucket, and a restore reads it back.
  statement {
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${var.backup_bucket_arn}/backups/neo4j/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [var.backup_bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["backups/neo4j/*"]
    }
  }
  statement {
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "password" {
  role   = aws_iam_role.neo4j.id
  policy = data.aws_iam_policy_document.password.json
}

resource "aws_iam_instance_profile" "neo4j" {
  name_prefix = "${var.name}-neo4j-"
  role        = aws_iam_role.neo4j.name
}

# --- instance and data volume ------------------------------------------------------------------
resource "aws_cloudwatch_log_group" "neo4j" {
  name              = "/ec2/${var.name}/neo4j"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_instance" "neo4j" {
  ami                         = data.aws_ssm_parameter.al2023.value
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [aws_security_group.neo4j.id]
  associate_public_ip_address = false
  iam_instance_profile        = aws_iam_instance_profile.neo4j.name
  monitoring                  = true
  ebs_optimized               = true
  user_data_replace_on_change = false
  # The database host is not removed or stopped by a stray API call or console click.
  disable_api_termination              = true
  instance_initiated_shutdown_behavior = "stop"
  user_data = templatefile("${path.module}/user_data.sh.tftpl", {
    region           = var.region
    secret_arn       = var.password_secret_arn
    data_volume_id   = aws_ebs_volume.data.id
    log_group        = aws_cloudwatch_log_group.neo4j.name
    heap_size        = var.heap_size
    pagecache_size   = var.pagecache_size
    neo4j_version    = var.neo4j_version
    backup_bucket    = var.backup_bucket_name
    backup_time_utc  = var.backup_time_utc
    kms_key_arn      = var.kms_key_arn
    metric_namespace = var.backup_metric_namespace
    backup_dimension = var.name
  })

  metadata_options {
    http_tokens                 = "required"
    http_endpoint               = "enabled"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 20
    encrypted   = true
    kms_key_id  = var.kms_key_arn
  }

  tags = { Name = "${var.name}-neo4j" }

  lifecycle {
    # A new AMI must not replace the database host on the next apply; patch in place via SSM.
    ignore_changes = [ami]
  }
}

resource "aws_ebs_volume" "data" {
  availability_zone = data.aws_subnet.selected.availability_zone
  size              = var.volume_gb
  type              = "gp3"
  encrypted         = true
  kms_key_id        = var.kms_key_arn
  # Deleting the volume (a destroy, a replacement) first takes a snapshot of it. Chosen over
  # lifecycle.prevent_destroy, which cannot be switched off for a dev teardown or for `terraform test`
  # (it refuses the test's own clean-up): docs/deploy-aws.md, "Neo4j durability".
  final_snapshot = true
  tags           = { Name = "${var.name}-neo4j-data", Snapshot = "${var.name}-neo4j-daily" }
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.neo4j.id
}

# --- daily snapshots (Data Lifecycle Manager) --------------------------------------------------
data "aws_iam_policy_document" "dlm_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["dlm.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "dlm" {
  name_prefix        = "${var.name}-dlm-"
  assume_role_policy = data.aws_iam_policy_document.dlm_assume.json
}

resource "aws_iam_role_policy_attachment" "dlm" {
  role       = aws_iam_role.dlm.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole"
}

resource "aws_dlm_lifecycle_policy" "daily" {
  description        = "Daily snapshots of the ${var.name} Neo4j data volume"
  execution_role_arn = aws_iam_role.dlm.arn
  state              = "ENABLED"

  policy_details {
    resource_types = ["VOLUME"]
    target_tags    = { Snapshot = "${var.name}-neo4j-daily" }

    schedule {
      name      = "daily"
      copy_tags = true
      create_rule {
        interval      = 24
        interval_unit = "HOURS"
        times         = [var.snapshot_time_utc]
      }
      retain_rule {
        count = var.snapshot_retain_days
      }
    }
  }
}
