mock_provider "google" {}

variables {
  amount              = 50
  billing_account     = "012345-6789AB-CDEF01"
  display_name        = "example-project dev"
  notification_emails = ["a@example.com", "b@example.com"]
  project_id          = "example-project-dev"
  project_number      = "123456789012"
}

run "filtered_to_the_environment_project" {
  command = plan

  assert {
    condition     = toset(one(google_billing_budget.this.budget_filter).projects) == toset(["projects/123456789012"])
    error_message = "The budget measures this environment's project only."
  }

  assert {
    condition     = one(one(google_billing_budget.this.amount).specified_amount).units == "50"
    error_message = "The amount is the answer's budget."
  }

  assert {
    condition     = length(google_billing_budget.this.threshold_rules) == 6
    error_message = "Actual and forecast spend alert at 50, 80 and 100 percent."
  }

  assert {
    condition     = toset([for c in google_monitoring_notification_channel.email : c.labels.email_address]) == toset(["a@example.com", "b@example.com"])
    error_message = "Every address gets an e-mail channel."
  }
}

run "refuses_six_addresses" {
  command = plan

  variables {
    notification_emails = ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io"]
  }

  expect_failures = [var.notification_emails]
}
