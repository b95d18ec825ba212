output "instance_id" {
  description = "Neo4j instance id (SSM target, CWAgent dimension)."
  value       = aws_instance.neo4j.id
}

output "private_ip" {
  description = "Private IP the API connects to over Bolt."
  value       = aws_instance.neo4j.private_ip
}

output "security_group_id" {
  description = "Neo4j's security group."
  value       = aws_security_group.neo4j.id
}
