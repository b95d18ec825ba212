# Ingest jobs on AWS (KW_JOB_BACKEND=aws): a queue of job ids whose visibility timeout is a worker's
# lease, its dead-letter queue, and the table of job state, requests and progress events. Requests too
# large for an item go to the media bucket's uploads/ prefix (storage module). Attribute names are the
# app's (backend/ingest/job_table.py); a test compares them.

# Where a message goes after max_attempts receives without being deleted: its job was claimed that
# often and never finished. Workers fail the job with the reason and leave the message for people
# (the jobs-dead-letters alarm); 14 days is SQS's longest retention.
resource "aws_sqs_queue" "dead_letters" {
  name                              = "${var.name}-jobs-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600 # one data key an hour, not one KMS call per message
}

resource "aws_sqs_queue" "jobs" {
  name = "${var.name}-jobs"
  # The app sets each receive's visibility to KW_JOB_LEASE_S and extends it while it works; this is
  # only what a receive without one would get.
  visibility_timeout_seconds        = var.lease_s
  message_retention_seconds         = 1209600
  receive_wait_time_seconds         = 5 # long polls: an idle worker costs a request per 5 s, not per poll
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = var.max_attempts
  })
}

# Only the jobs queue may send to the dead-letter queue (what a redrive does).
resource "aws_sqs_queue_redrive_allow_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.jobs.arn]
  })
}

resource "aws_dynamodb_table" "jobs" {
  name         = "${var.name}-jobs"
  billing_mode = "PAY_PER_REQUEST" # on demand: ingest comes in bursts, and idle costs nothing
  hash_key     = "job_id"
  range_key    = "seq" # 0: the job, -1: its request, 1…: its events in order

  attribute {
    name = "job_id"
    type = "S"
  }
  attribute {
    name = "seq"
    type = "N"
  }
  attribute {
    name = "transcript_key"
    type = "S"
  }
  attribute {
    name = "created_at"
    type = "N"
  }

  # A transcript's newest job (a re-post answers with it). Keys only: progress writes to a job's row
  # never touch the index.
  global_secondary_index {
    name            = "by_transcript"
    hash_key        = "transcript_key"
    range_key       = "created_at"
    projection_type = "KEYS_ONLY"
  }

  # expires_at (epoch seconds): a finished job's row and request KW_JOB_RETENTION_S after it ended,
  # every event a day after it was written.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.deletion_protection
}
