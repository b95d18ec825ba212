# Ingest jobs on AWS: the queue and its dead-letter queue (KMS, redrive after job_max_attempts), the
# jobs table (on demand, TTL, PITR, KMS, the transcript index), the uploads prefix, the worker service
# (same image, `weaver worker`, scaling on backlog per task), stateless API tasks (no stickiness),
# least-privilege roles for both, and the alarms and dashboard widgets.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "billing"
  source = "./tests/mocks"
}

# Distinct ARNs, so a statement on the wrong queue or table cannot pass for the right one.
override_resource {
  target = module.jobs.aws_sqs_queue.jobs
  values = { arn = "arn:aws:sqs:us-east-1:123456789012:kw-test-jobs", url = "https://sqs.us-east-1.amazonaws.com/123456789012/kw-test-jobs" }
}
override_resource {
  target = module.jobs.aws_sqs_queue.dead_letters
  values = { arn = "arn:aws:sqs:us-east-1:123456789012:kw-test-jobs-dlq", url = "https://sqs.us-east-1.amazonaws.com/123456789012/kw-test-jobs-dlq" }
}
override_resource {
  target = module.jobs.aws_dynamodb_table.jobs
  values = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/kw-test-jobs" }
}

variables {
  owner           = "sre-team"
  image_tag       = "0123abc"
  alarm_emails    = ["sre@example.com"]
  certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
}

run "queue_dead_letters_and_table" {
  command = apply
  variables {
    job_max_attempts   = 4
    job_lease_s        = 90
    job_retention_days = 10
  }

  assert {
    condition     = jsondecode(module.jobs.resources.queue.redrive_policy).maxReceiveCount == 4 && jsondecode(module.jobs.resources.queue.redrive_policy).deadLetterTargetArn == module.jobs.resources.dead_letter.arn
    error_message = "the queue must move a message to the dead-letter queue after job_max_attempts receives"
  }
  assert {
    condition     = module.jobs.resources.queue.kms_master_key_id == module.secrets.kms_key_arn && module.jobs.resources.dead_letter.kms_master_key_id == module.secrets.kms_key_arn
    error_message = "both queues must be encrypted with the project key"
  }
  assert {
    condition     = module.jobs.resources.queue.visibility_timeout_seconds == 90 && module.jobs.resources.dead_letter.message_retention_seconds == 1209600
    error_message = "the queue's visibility is the lease; dead letters are kept 14 days"
  }
  assert {
    condition     = jsondecode(module.jobs.resources.redrive.redrive_allow_policy).redrivePermission == "byQueue" && contains(jsondecode(module.jobs.resources.redrive.redrive_allow_policy).sourceQueueArns, module.jobs.resources.queue.arn)
    error_message = "only the jobs queue may redrive to the dead-letter queue"
  }

  assert {
    condition     = module.jobs.resources.table.billing_mode == "PAY_PER_REQUEST" && module.jobs.resources.table.hash_key == "job_id" && module.jobs.resources.table.range_key == "seq"
    error_message = "the jobs table must be on demand with keys job_id and seq (the app's)"
  }
  assert {
    condition     = one(module.jobs.resources.table.ttl).enabled && one(module.jobs.resources.table.ttl).attribute_name == "expires_at"
    error_message = "finished jobs must expire on expires_at (the attribute the app writes)"
  }
  assert {
    condition     = one(module.jobs.resources.table.point_in_time_recovery).enabled && one(module.jobs.resources.table.server_side_encryption).kms_key_arn == module.secrets.kms_key_arn && module.jobs.resources.table.deletion_protection_enabled
    error_message = "the jobs table needs point-in-time recovery, the project key and deletion protection"
  }
  assert {
    condition = anytrue([for i in module.jobs.resources.table.global_secondary_index :
    i.name == "by_transcript" && i.hash_key == "transcript_key" && i.range_key == "created_at" && i.projection_type == "KEYS_ONLY"])
    error_message = "the table needs the keys-only by_transcript index the app queries"
  }

  # Large requests go to uploads/ in the media bucket; they outlive the job records they belong to.
  assert {
    condition = anytrue([for r in module.storage.lifecycle.rule :
    r.id == "job-uploads-expire" && r.status == "Enabled" && try(one(r.filter).prefix, "") == "uploads/" && try(one(r.expiration).days, 0) == 25])
    error_message = "uploads/ must expire job_retention_days + 15 days after upload"
  }

  # Both services are told where jobs live; the API task starts no workers of its own.
  assert {
    condition = alltrue([
      for want in [
        ["KW_JOB_BACKEND", "aws"], ["KW_JOBS_QUEUE_URL", module.jobs.queue_url], ["KW_JOBS_DLQ_URL", module.jobs.dlq_url],
        ["KW_JOBS_TABLE", module.jobs.table_name], ["KW_UPLOADS_BUCKET", module.storage.bucket_name],
        ["KW_JOB_MAX_ATTEMPTS", "4"], ["KW_JOB_LEASE_S", "90"], ["KW_JOB_RETENTION_S", "864000"],
      ] :
      contains([for e in jsondecode(module.service.task_definition.container_definitions)[0].environment : "${e.name}=${e.value}"], "${want[0]}=${want[1]}") &&
      contains([for e in module.worker.service.containers[0].environment : "${e.name}=${e.value}"], "${want[0]}=${want[1]}")
    ])
    error_message = "the API and worker tasks must both get the job backend's settings"
  }
  assert {
    condition     = contains([for e in jsondecode(module.service.task_definition.container_definitions)[0].environment : "${e.name}=${e.value}"], "KW_WORKER_PROCESSES=0")
    error_message = "the API task must start no worker processes: the worker service runs the jobs"
  }
}

run "the_api_is_stateless_and_workers_are_a_service_of_their_own" {
  command = apply
  variables {
    worker_min_tasks        = 2
    worker_max_tasks        = 12
    worker_backlog_per_task = 6
    worker_jobs_at_once     = 3
  }

  assert {
    condition     = !try(one(module.service.target_group.stickiness).enabled, false)
    error_message = "the API's target group must not be sticky: any task answers any job"
  }

  assert {
    condition     = module.worker.service.containers[0].image == jsondecode(module.service.task_definition.container_definitions)[0].image && module.worker.service.containers[0].command == ["weaver", "worker"]
    error_message = "the worker runs the API's image with the command `weaver worker`"
  }
  assert {
    condition     = module.worker.service.service.cluster == module.service.cluster_arn && module.worker.service.task.task_role_arn == module.iam.worker_role_arn
    error_message = "the workers run in the API's cluster, as the worker role"
  }
  assert {
    condition     = contains([for e in module.worker.service.containers[0].environment : "${e.name}=${e.value}"], "KW_INGEST_WORKERS=3")
    error_message = "a worker task runs worker_jobs_at_once jobs at once"
  }
  assert {
    condition     = !contains([for s in module.worker.service.containers[0].secrets : s.name], "KW_API_KEYS") && contains([for c in module.worker.service.containers : c.name], "otel-collector")
    error_message = "workers get no API keys, and send their traces through a collector of their own"
  }
  assert {
    condition     = length(module.worker.service.service.load_balancer) == 0 && one(module.worker.service.service.deployment_circuit_breaker).rollback
    error_message = "nothing calls a worker; a failed worker rollout is rolled back"
  }

  # Scaling: target tracking on (waiting + leased messages) ÷ running worker tasks.
  assert {
    condition     = module.worker.service.target.min_capacity == 2 && module.worker.service.target.max_capacity == 12
    error_message = "the worker service scales between worker_min_tasks and worker_max_tasks"
  }
  assert {
    condition = (
      module.worker.service.policy.policy_type == "TargetTrackingScaling" &&
      one(module.worker.service.policy.target_tracking_scaling_policy_configuration).target_value == 6
    )
    error_message = "the workers scale by target tracking at worker_backlog_per_task"
  }
  assert {
    condition = length([
      for m in one(one(module.worker.service.policy.target_tracking_scaling_policy_configuration).customized_metric_specification).metrics :
      m if m.return_data && m.expression == "(waiting + leased) / IF(tasks > 0, tasks, 1)"
    ]) == 1
    error_message = "the scaling metric must be the backlog per running task"
  }
  assert {
    condition = toset(flatten([
      for m in one(one(module.worker.service.policy.target_tracking_scaling_policy_configuration).customized_metric_specification).metrics :
      [for s in m.metric_stat : one(s.metric).metric_name]
    ])) == toset(["ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible", "RunningTaskCount"])
    error_message = "the backlog reads the queue's waiting and in-flight messages and the running task count"
  }
}

run "api_and_worker_roles_are_least_privilege" {
  command = apply

  # The API queues and reads jobs; it never receives or deletes messages, nor touches the dead letters.
  assert {
    condition = length([
      for s in module.iam.task_policy.statement : s if s.sid == "JobsQueueSend" &&
      toset(s.resources) == toset([module.jobs.queue_arn]) && toset(s.actions) == toset(["sqs:SendMessage", "sqs:GetQueueAttributes"])
    ]) == 1
    error_message = "the API role must send to (and read the depth of) the jobs queue only"
  }
  assert {
    condition = length([
      for s in module.iam.task_policy.statement : s if s.sid == "JobsAccept" &&
      toset(s.resources) == toset([module.jobs.table_arn, "${module.jobs.table_arn}/index/by_transcript"]) &&
      toset(s.actions) == toset(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:DescribeTable"])
    ]) == 1
    error_message = "the API role's job table rights must be exactly those it uses"
  }
  assert {
    condition     = !anytrue([for s in module.iam.task_policy.statement : anytrue([for a in s.actions : contains(["sqs:ReceiveMessage", "sqs:DeleteMessage", "transcribe:StartTranscriptionJob"], a)])])
    error_message = "the API neither runs jobs nor transcribes"
  }

  # The workers receive, extend and delete; they look into the dead letters; they never accept jobs.
  assert {
    condition = length([
      for s in module.iam.worker_policy.statement : s if s.sid == "JobsQueueWork" &&
      toset(s.resources) == toset([module.jobs.queue_arn]) &&
      toset(s.actions) == toset(["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"])
    ]) == 1
    error_message = "the worker role must receive, extend and delete on the jobs queue"
  }
  assert {
    condition = length([
      for s in module.iam.worker_policy.statement : s if s.sid == "JobsDeadLetters" &&
      toset(s.resources) == toset([module.jobs.dlq_arn]) &&
      toset(s.actions) == toset(["sqs:ReceiveMessage", "sqs:SendMessage"])
    ]) == 1
    error_message = "the worker role may handle dead letters on the dead-letter queue only"
  }
  assert {
    condition = length([
      for s in module.iam.worker_policy.statement : s if s.sid == "JobsRun" && toset(s.resources) == toset([module.jobs.table_arn]) &&
      toset(s.actions) == toset(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"])
    ]) == 1
    error_message = "the worker role's job table rights must be exactly those it uses"
  }
  assert {
    condition     = !anytrue([for s in module.iam.worker_policy.statement : anytrue([for r in s.resources : r == module.sessions.table_arn])])
    error_message = "workers have no business with conversations"
  }
  assert {
    condition = alltrue([for doc in [module.iam.task_policy, module.iam.worker_policy] : !anytrue([
      for s in doc.statement : anytrue([for a in s.actions : contains(["sqs:*", "dynamodb:*", "dynamodb:Scan", "dynamodb:DeleteTable", "sqs:DeleteQueue", "sqs:PurgeQueue"], a)])
    ])])
    error_message = "no task role may use wildcards, scan, or delete the table or a queue"
  }
  assert {
    condition = alltrue([for doc in [module.iam.task_policy, module.iam.worker_policy] : length([
      for s in doc.statement : s if s.sid == "QueuesKey" && toset(s.resources) == toset([module.secrets.kms_key_arn]) &&
      anytrue([for c in s.condition : c.variable == "kms:ViaService" && contains(c.values, "sqs.us-east-1.amazonaws.com")])
    ]) == 1])
    error_message = "both roles may use the project key for the queues only through SQS"
  }
}

run "alarms_and_widgets_watch_the_queue" {
  command = apply

  assert {
    condition = (
      module.observability.alarms["jobs-dead-letters"].threshold == 0 &&
      alltrue([for m in module.observability.alarms["jobs-dead-letters"].metric_query : m.metric[0].dimensions["QueueName"] == module.jobs.dlq_name if length(m.metric) > 0])
    )
    error_message = "jobs-dead-letters must fire on any message in the dead-letter queue"
  }
  assert {
    condition = alltrue([for m in module.observability.alarms["jobs-oldest-message-age"].metric_query :
    m.metric[0].metric_name == "ApproximateAgeOfOldestMessage" && m.metric[0].dimensions["QueueName"] == module.jobs.queue_name if length(m.metric) > 0])
    error_message = "jobs-oldest-message-age must read the jobs queue's oldest message"
  }
  assert {
    condition     = strcontains(module.observability.dashboard_bodies["ingest"], module.jobs.queue_name) && strcontains(module.observability.dashboard_bodies["ingest"], module.jobs.dlq_name) && strcontains(module.observability.dashboard_bodies["ingest"], module.worker.service_name)
    error_message = "the ingest dashboard must show the queue, the dead letters and the worker service"
  }
}

run "job_settings_within_the_apps_bounds" {
  command = plan
  variables {
    job_max_attempts = 0
    job_lease_s      = 1
  }
  expect_failures = [var.job_max_attempts, var.job_lease_s]
}
