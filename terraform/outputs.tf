output "api_url" {
  description = "Base URL of the API (HTTPS when a certificate was given)."
  value       = module.service.url
}

output "ecr_repository_url" {
  description = "Push the image here, tagged with the git SHA (see docs/deploy-aws.md)."
  value       = module.storage.repository_url
}

output "bucket_name" {
  description = "S3 bucket for recordings and transcripts."
  value       = module.storage.bucket_name
}

output "cluster_name" {
  description = "ECS cluster running the API."
  value       = module.service.cluster_name
}

output "service_name" {
  description = "ECS service name (for `aws ecs update-service --force-new-deployment`)."
  value       = module.service.service_name
}

output "worker_service_name" {
  description = "The ingest workers' ECS service."
  value       = module.worker.service_name
}

output "jobs_queue_url" {
  description = "The jobs queue (KW_JOBS_QUEUE_URL)."
  value       = module.jobs.queue_url
}

output "jobs_dlq_url" {
  description = "The jobs' dead-letter queue (KW_JOBS_DLQ_URL): see docs/runbooks/jobs-dead-letters.md."
  value       = module.jobs.dlq_url
}

output "jobs_table_name" {
  description = "The jobs table (KW_JOBS_TABLE)."
  value       = module.jobs.table_name
}

output "neo4j_instance_id" {
  description = "Neo4j EC2 instance; connect with `aws ssm start-session --target <id>`."
  value       = module.neo4j.instance_id
}

output "neo4j_secret_arn" {
  description = "Secrets Manager secret holding the generated Neo4j password."
  value       = module.secrets.neo4j_secret_arn
}

output "api_keys_secret_arn" {
  description = "Secrets Manager secret holding the API keys (KW_API_KEYS); put them before the first rollout."
  value       = module.secrets.api_keys_secret_arn
}

output "phoenix_secret_arn" {
  description = "Secrets Manager secret holding the Phoenix API key (when Phoenix runs with auth)."
  value       = module.secrets.phoenix_secret_arn
}

output "phoenix_server_secret_arn" {
  description = "With phoenix_on_ecs: the secret holding PHOENIX_SECRET and the initial admin password (put before Phoenix starts)."
  value       = var.phoenix_on_ecs ? module.phoenix[0].server_secret_arn : null
}

output "langfuse_secret_arn" {
  description = "Secrets Manager secret holding the Langfuse keys."
  value       = module.secrets.langfuse_secret_arn
}

output "dashboard_names" {
  description = "CloudWatch dashboards rendered from dashboards/*.json."
  value       = module.observability.dashboard_names
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = module.observability.alarm_topic_arn
}

output "sessions_table" {
  description = "DynamoDB table of conversations (KW_SESSIONS_TABLE in the task)."
  value       = module.sessions.table_name
}
