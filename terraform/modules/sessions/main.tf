# Conversations (KW_SESSION_BACKEND=dynamodb): one item per session, keyed by its id; DynamoDB deletes
# an item once its `expires_at` (epoch seconds, pushed out by every question) has passed. The app also
# treats an expired item as gone, since TTL deletion runs within a day or two, not at the second.
# Attribute names are the app's (backend/conversation/dynamodb_store.py); a test compares them.
resource "aws_dynamodb_table" "sessions" {
  name         = "${var.name}-sessions"
  billing_mode = "PAY_PER_REQUEST" # on demand: conversations come in bursts, and idle costs nothing
  hash_key     = "session_id"

  attribute {
    name = "session_id"
    type = "S"
  }

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
