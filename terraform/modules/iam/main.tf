# Roles for the API and worker tasks: the execution role (ECS pulls the image, writes logs, injects
# secrets; shared) and a task role each (what the application itself may call). Both are scoped to this deployment's
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

# --- task roles: the API's and the workers' ------------------------------------------------------
# What both do (models, media, secrets, traces, metrics) is written once; each adds its own share of
# the job backend: the API queues and reads jobs, the workers run them. Only workers transcribe.
locals {
  tables_key = {
    sid = "TablesKey"
    # The tables are encrypted with the project key; DynamoDB uses it on the task's behalf.
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
    conditions = [{
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${var.region}.amazonaws.com"]
    }]
  }
  queues_key = {
    sid = "QueuesKey"
    # The queues are encrypted with the project key: sending needs a data key, receiving decrypts.
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.kms_key_arn]
    conditions = [{
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.${var.region}.amazonaws.com"]
    }]
  }

  common_statements = [
    {
      sid       = "InvokeConfiguredModels"
      actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = local.model_arns
    },
    {
      sid       = "MediaObjects"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${var.bucket_arn}/*"]
    },
    {
      sid       = "MediaList"
      actions   = ["s3:ListBucket"]
      resources = [var.bucket_arn]
    },
    local.tables_key,
    local.queues_key,
    {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.secret_arns
    },
    {
      sid       = "UseProjectKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    },
    {
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
    },
    {
      sid       = "MetricsInOurNamespace"
      actions   = ["cloudwatch:PutMetricData"] # resource "*" only; narrowed by namespace below
      resources = ["*"]
      conditions = [{
        test     = "StringEquals"
        variable = "cloudwatch:namespace"
        values   = [var.metric_namespace]
      }]
    },
  ]

  api_statements = [
    {
      sid       = "Conversations"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable"]
      resources = [var.sessions_table_arn]
    },
    {
      # Accept a job (its row and request in one transaction), answer and stream it (reads, its
      # events), re-queue a failed one (update), find a transcript's job (the index); readiness.
      sid       = "JobsAccept"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:DescribeTable"]
      resources = [var.jobs_table_arn, "${var.jobs_table_arn}/index/by_transcript"]
    },
    {
      sid       = "JobsQueueSend"
      actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
      resources = [var.jobs_queue_arn]
    },
  ]

  worker_statements = [
    {
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
    },
    {
      sid = "TranscribeVocabularies"
      actions = [
        "transcribe:CreateVocabulary",
        "transcribe:GetVocabulary",
        "transcribe:DeleteVocabulary",
      ]
      # Per namespace and content: <prefix>-vocab-<namespace hash>-<content hash> (speech/custom_vocabulary.py).
      resources = ["arn:aws:transcribe:${var.region}:${var.account_id}:vocabulary/${var.transcribe_job_prefix}-vocab-*"]
    },
    {
      sid       = "ListVocabularies"
      actions   = ["transcribe:ListVocabularies"] # AWS grants this action on "*" only
      resources = ["*"]
    },
    {
      # Claim (a conditional update), keep state, number and write events. Nothing deletes: rows expire.
      sid       = "JobsRun"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
      resources = [var.jobs_table_arn]
    },
    {
      # A receive is a lease, a visibility change its heartbeat, a delete the job's end.
      sid       = "JobsQueueWork"
      actions   = ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"]
      resources = [var.jobs_queue_arn]
    },
    {
      # Fail dead letters' jobs and leave the messages for people (a receive hides each for an hour);
      # a message received more often than KW_JOB_MAX_ATTEMPTS is moved there by the worker itself.
      sid       = "JobsDeadLetters"
      actions   = ["sqs:ReceiveMessage", "sqs:SendMessage"]
      resources = [var.jobs_dlq_arn]
    },
  ]

  role_statements = {
    api    = concat(local.common_statements, local.api_statements)
    worker = concat(local.common_statements, local.worker_statements)
  }
}

resource "aws_iam_role" "task" {
  name_prefix        = "${var.name}-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

resource "aws_iam_role" "worker" {
  name_prefix        = "${var.name}-worker-"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

data "aws_iam_policy_document" "task" {
  for_each = local.role_statements

  dynamic "statement" {
    for_each = each.value
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
      dynamic "condition" {
        for_each = try(statement.value.conditions, [])
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "task" {
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task["api"].json
}

resource "aws_iam_role_policy" "worker" {
  role   = aws_iam_role.worker.id
  policy = data.aws_iam_policy_document.task["worker"].json
}
