# One customer-managed key encrypts the secrets, logs, SNS topic, bucket, ECR images and EBS volumes.
resource "aws_kms_key" "main" {
  description             = "${var.name}: secrets, logs, alarms topic, bucket, images, volumes"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.main.key_id
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" means this key only; write access is limited by the principals.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" means this key only.
  #checkov:skip=CKV_AWS_109:The account root must administer its key or the key becomes unmanageable; IAM narrows who acts for it.
  # The account administers the key; IAM policies (the task and instance roles) grant its use.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.account_id}:root"]
    }
  }

  # Services that write encrypted data on our behalf need the key policy itself to allow them.
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:*"]
    }
    # Only on this account's behalf (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }

  statement {
    sid       = "AlarmsAndBudgetsPublishToTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_secretsmanager_secret" "neo4j" {
  name = "${var.name}/neo4j"
  # No version here: the Neo4j host generates the password at first boot and puts it, so it never
  # passes through Terraform state, plan files or user data.
  description             = "Neo4j credentials: {\"username\", \"password\"}; written once by the Neo4j host at first boot, read by the API task."
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
  #checkov:skip=CKV2_AWS_57:Neo4j reads the password once at first boot; rotating it needs a Neo4j-aware rotation Lambda (see docs/deploy-aws.md, "Rotating the Neo4j password").
}

resource "aws_secretsmanager_secret" "api_keys" {
  name                    = "${var.name}/api-keys"
  description             = "KW_API_KEYS: JSON {\"<key>\": \"<namespace>\" or \"*\" (admin)}, keys of 16+ characters; injected into the API task."
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
  #checkov:skip=CKV2_AWS_57:API keys are handed to clients; rotation means issuing new keys to them, so it is a put-secret-value and a redeploy (docs/deploy-aws.md), not a Lambda.
}

# Starts empty, so the API refuses to start (auth off on a public address) until real keys are put with
# `aws secretsmanager put-secret-value` (docs/deploy-aws.md); they never pass through Terraform state.
resource "aws_secretsmanager_secret_version" "api_keys" {
  secret_id     = aws_secretsmanager_secret.api_keys.id
  secret_string = jsonencode({})
  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_secretsmanager_secret" "phoenix" {
  name                    = "${var.name}/phoenix"
  description             = "Phoenix API key: {\"api_key\"}; empty when the Phoenix at phoenix_endpoint runs without auth."
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
  #checkov:skip=CKV2_AWS_57:Phoenix API keys are issued by Phoenix (Settings → API keys), not rotatable by a Lambda here; rotate in Phoenix and put the new value.
}

# Starts empty (no auth header); put the key with `put-secret-value` so it never passes through state.
resource "aws_secretsmanager_secret_version" "phoenix" {
  secret_id     = aws_secretsmanager_secret.phoenix.id
  secret_string = jsonencode({ api_key = "" })
  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_secretsmanager_secret" "langfuse" {
  name                    = "${var.name}/langfuse"
  description             = "Langfuse API keys: {\"public_key\", \"secret_key\"}; empty values disable the Langfuse exporter."
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
  #checkov:skip=CKV2_AWS_57:Langfuse keys are issued by Langfuse, not rotatable by a Lambda here; rotate in Langfuse and put the new value.
}

# Starts with empty keys (Langfuse export off); put the real ones with `aws secretsmanager
# put-secret-value` (docs/deploy-aws.md) so they never pass through Terraform state.
resource "aws_secretsmanager_secret_version" "langfuse" {
  secret_id     = aws_secretsmanager_secret.langfuse.id
  secret_string = jsonencode({ public_key = "", secret_key = "" })
  lifecycle {
    ignore_changes = [secret_string]
  }
}
