# The whole deployment plans and applies against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "billing"
  source = "./tests/mocks"
}

variables {
  owner        = "sre-team"
  image_tag    = "0123abc"
  alarm_emails = ["sre@example.com"]
}

run "http_only_without_certificate" {
  command = apply

  assert {
    condition     = startswith(output.api_url, "http://")
    error_message = "without a certificate the API is served over HTTP"
  }
  assert {
    condition     = length(output.dashboard_names) == 5
    error_message = "expected five dashboards"
  }
}

run "https_with_certificate" {
  command = apply
  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition     = startswith(output.api_url, "https://")
    error_message = "with a certificate the API is served over HTTPS"
  }
}

run "environment_is_validated" {
  command = plan
  variables {
    environment = "qa"
  }
  expect_failures = [var.environment]
}
