# Ingest workers: the API's image running `weaver worker` as an ECS service of its own, in the API's
# cluster, with the API's environment (modules/service), so parsing, extraction calls, embeddings and
# transcription never share the API tasks' CPU. Workers take job ids from SQS (a receive is a lease),
# keep state in DynamoDB and read large requests from S3 (modules/jobs). No load balancer: nothing
# calls a worker. The count follows the queue: target tracking on jobs per running task.

resource "aws_ecs_task_definition" "worker" {
  family                   = "${var.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  task_role_arn            = var.task_role_arn
  execution_role_arn       = var.execution_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "data"
  }

  container_definitions = jsonencode([
    {
      name                   = "worker"
      image                  = var.image
      essential              = true
      readonlyRootFilesystem = true
      command                = ["weaver", "worker"]
      environment = [
        for k, v in merge(var.environment, { KW_INGEST_WORKERS = tostring(var.jobs_at_once) }) :
        { name = k, value = v } if v != ""
      ]
      secrets     = var.secrets
      mountPoints = [{ sourceVolume = "data", containerPath = "/data", readOnly = false }]
      dependsOn   = [{ containerName = var.collector_container.name, condition = "HEALTHY" }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = var.log_group_name
          awslogs-region        = var.region
          awslogs-stream-prefix = "worker"
        }
      }
    },
    var.collector_container,
  ])
}

resource "aws_ecs_service" "worker" {
  name                   = "${var.name}-worker"
  cluster                = var.cluster_arn
  task_definition        = aws_ecs_task_definition.worker.arn
  desired_count          = var.min_tasks
  launch_type            = "FARGATE"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  # The API tasks' security group: the same egress (HTTPS to AWS APIs, Bolt to Neo4j, Phoenix); its
  # only ingress rule admits the load balancer, which never targets a worker.
  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    # Autoscaling owns the count after the first apply.
    ignore_changes = [desired_count]
  }
}

# --- scaling on the backlog per task -----------------------------------------------------------
resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_tasks
  max_capacity       = var.max_tasks
}

# Jobs waiting plus jobs being worked on, per running worker task, held at backlog_per_task: a task
# runs jobs_at_once jobs, so the target is what it runs plus what may wait for it. Counting the
# running ones too keeps a busy fleet from scaling in under its own jobs.
resource "aws_appautoscaling_policy" "backlog" {
  name               = "${var.name}-worker-backlog"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  policy_type        = "TargetTrackingScaling"

  target_tracking_scaling_policy_configuration {
    target_value       = var.backlog_per_task
    scale_out_cooldown = 60
    scale_in_cooldown  = 300 # a scaled-in task's jobs start again elsewhere: be slow to do it

    customized_metric_specification {
      metrics {
        id          = "waiting"
        label       = "jobs waiting"
        return_data = false
        metric_stat {
          stat = "Sum"
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"
            dimensions {
              name  = "QueueName"
              value = var.queue_name
            }
          }
        }
      }
      metrics {
        id          = "leased"
        label       = "jobs being worked on"
        return_data = false
        metric_stat {
          stat = "Sum"
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesNotVisible"
            dimensions {
              name  = "QueueName"
              value = var.queue_name
            }
          }
        }
      }
      metrics {
        id          = "tasks"
        label       = "running worker tasks"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = var.cluster_name
            }
            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.worker.name
            }
          }
        }
      }
      metrics {
        id          = "backlog_per_task"
        label       = "jobs per worker task"
        expression  = "(waiting + leased) / IF(tasks > 0, tasks, 1)"
        return_data = true
      }
    }
  }
}
