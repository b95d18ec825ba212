# Conversations on AWS: the DynamoDB table (on demand, TTL on the attribute the app writes, point-in-time
# recovery, the project key), the task told to use it, and the task role allowed exactly its items.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "billing"
  source = "./tests/mocks"
}

variables {
  owner           = "sre-team"
  image_tag       = "0123abc"
  alarm_emails    = ["sre@example.com"]
  certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
}

run "conversations_live_in_dynamodb" {
  command = apply
  variables {
    session_idle_ttl_s = 7200
  }

  assert {
    condition     = module.sessions.table.billing_mode == "PAY_PER_REQUEST" && module.sessions.table.hash_key == "session_id" && module.sessions.table.range_key == null
    error_message = "the sessions table must be on demand, one item per session (partition key session_id)"
  }
  assert {
    condition     = one(module.sessions.table.ttl).enabled && one(module.sessions.table.ttl).attribute_name == "expires_at"
    error_message = "the sessions table must expire items on expires_at (the attribute the app writes)"
  }
  assert {
    condition     = one(module.sessions.table.point_in_time_recovery).enabled
    error_message = "point-in-time recovery must be on"
  }
  assert {
    condition     = one(module.sessions.table.server_side_encryption).enabled && one(module.sessions.table.server_side_encryption).kms_key_arn == module.secrets.kms_key_arn
    error_message = "the sessions table must be encrypted with the project key"
  }
  assert {
    condition     = module.sessions.table.deletion_protection_enabled
    error_message = "the sessions table is protected from deletion by default"
  }

  # The task is told where conversations live, and for how long.
  assert {
    condition = alltrue([
      for want in [["KW_SESSION_BACKEND", "dynamodb"], ["KW_SESSIONS_TABLE", module.sessions.table_name], ["KW_SESSION_IDLE_TTL_S", "7200"]] :
      contains([for e in jsondecode(module.service.task_definition.container_definitions)[0].environment : "${e.name}=${e.value}"], "${want[0]}=${want[1]}")
    ])
    error_message = "the API task does not get KW_SESSION_BACKEND, KW_SESSIONS_TABLE and KW_SESSION_IDLE_TTL_S"
  }

  # Least privilege: item reads and writes on this table only; nothing that lists or scans.
  assert {
    condition = length([
      for s in module.iam.task_policy.statement : s if s.sid == "Conversations" &&
      toset(s.resources) == toset([module.sessions.table_arn]) &&
      toset(s.actions) == toset(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable"])
    ]) == 1
    error_message = "the task role must have exactly Get/Put/DeleteItem and DescribeTable on the sessions table"
  }
  assert {
    condition = !anytrue([
      for s in module.iam.task_policy.statement : anytrue([for a in s.actions : startswith(a, "dynamodb:") && (a == "dynamodb:*" || a == "dynamodb:Scan")])
    ])
    error_message = "no task statement may grant dynamodb:* or Scan"
  }
  assert {
    condition = length([
      for s in module.iam.task_policy.statement : s if s.sid == "TablesKey" &&
      toset(s.resources) == toset([module.secrets.kms_key_arn]) &&
      anytrue([for c in s.condition : c.variable == "kms:ViaService" && contains(c.values, "dynamodb.us-east-1.amazonaws.com")])
    ]) == 1
    error_message = "the task may use the project key for the table only through DynamoDB"
  }
}

run "idle_ttl_within_the_apps_bounds" {
  command = plan
  variables {
    session_idle_ttl_s = 30
  }
  expect_failures = [var.session_idle_ttl_s]
}
