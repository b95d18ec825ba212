"""Conversations: a session per user in a namespace, follow-up questions resolved against its history
(offline by carrying entities over, or by a condense-question LLM call), kept in SQLite or DynamoDB."""
