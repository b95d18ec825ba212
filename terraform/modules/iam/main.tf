# Two roles for the API task: the execution role (ECS pulls the image, writes logs, injects secrets)
# and the task role (what the application itself may call). Both are scoped to this deployment's
# resources; the few actions AWS only grants on "*" are commented.

data "aws_iam_policy_document" "ecs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

locals {
  log_group_arn = "arn:aws:logs:${var.region}:${var.account_id}:log-group:${var.log_group_name}"
  model_arns = flatten([for id in var.bedrock_model_ids : [
    "arn:aws:bedrock:${var.region}::foundation-model/${id}",
    # Cross-region inference profiles (us./eu./apac. prefixed ids) route to the model in other regions.
    "arn:aws:bedrock:*::foundation-model/${id}",
    "arn:aws:bedrock:${var.region}:${var.account_id}:inference-profile/*.${id}",
  ]])
}

# --- execution role ----------------------------------------------------------------------------
resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = ["arn:aws:ecr:${var.region}:${var.account_id}:repository/${var.name}"]
  }
  statement {
    sid       = "EcrToken"
    actions   = ["ecr:GetAuthorizationToken"] # AWS grants this action on "*" only
    resources = ["*"]
  }
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }
  statement {
    sid       = "InjectSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.secret_arns
  }
  statement {
    sid       = "DecryptSecretsAndImages"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- task role ---------------------------------------------------------------------------------
resource "aws_iam_role" "task" {
  name_prefix        = "${var.name}-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "InvokeConfiguredModels"
    actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    resources = local.model_arns
  }
  statement {
    sid = "TranscribeRecordings"
    actions = [
      "transcribe:StartTranscriptionJob",
      "transcribe:GetTranscriptionJob",
      "transcribe:DeleteTranscriptionJob",
    ]
    # A job started with a custom vocabulary needs the vocabulary too.
    resources = [
      "arn:aws:transcribe:${var.region}:${var.account_id}:transcription-job/${var.transcribe_job_prefix}-*",
      "arn:aws:transcribe:${var.region}:${var.account_id}:vocabulary/${var.transcribe_job_prefix}-vocab-*",
    ]
  }
  statement {
    sid = "TranscribeVocabularies"
    actions = [
      "transcribe:CreateVocabulary",
      "transcribe:GetVocabulary",
      "transcribe:DeleteVocabulary",
    ]
    # Per namespace and content: <prefix>-vocab-<namespace hash>-<content hash> (speech/custom_vocabulary.py).
    resources = ["arn:aws:transcribe:${var.region}:${var.account_id}:vocabulary/${var.transcribe_job_prefix}-vocab-*"]
  }
  statement {
    sid       = "ListVocabularies"
    actions   = ["transcribe:ListVocabularies"] # AWS grants this action on "*" only
    resources = ["*"]
  }
  statement {
    sid       = "MediaObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.bucket_arn}/*"]
  }
  statement {
    sid       = "MediaList"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
  }
  statement {
    sid       = "Conversations"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable"]
    resources = [var.sessions_table_arn]
  }
  statement {
    sid = "ConversationsKey"
    # The table is encrypted with the project key; DynamoDB uses it on the task's behalf.
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${var.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.secret_arns
  }
  statement {
    sid       = "UseProjectKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid = "XRay"
    # X-Ray's write and sampling APIs have no resource-level permissions.
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "xray:GetSamplingStatisticSummaries",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "MetricsInOurNamespace"
    actions   = ["cloudwatch:PutMetricData"] # resource "*" only; narrowed by namespace below
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metric_namespace]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}
