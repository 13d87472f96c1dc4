mock_provider "aws" {}

variables {
  name                = "example-dev-monthly"
  limit_amount_usd    = 150
  notification_emails = ["ml-team@example.com", "lead@example.org"]
}

run "monthly_cost_budget" {
  command = plan

  assert {
    condition = (
      aws_budgets_budget.this.budget_type == "COST" &&
      aws_budgets_budget.this.time_unit == "MONTHLY" &&
      aws_budgets_budget.this.limit_unit == "USD" &&
      tonumber(aws_budgets_budget.this.limit_amount) == 150
    )
    error_message = "The budget must be a monthly COST budget of limit_amount_usd USD."
  }

  assert {
    condition = toset([for n in aws_budgets_budget.this.notification : "${n.notification_type}@${n.threshold}"]) == toset([
      "ACTUAL@80", "ACTUAL@100", "FORECASTED@80", "FORECASTED@100",
    ])
    error_message = "There must be one ACTUAL and one FORECASTED notification per threshold, and nothing else."
  }

  assert {
    condition = alltrue([
      for n in aws_budgets_budget.this.notification :
      n.threshold_type == "PERCENTAGE" && n.comparison_operator == "GREATER_THAN" &&
      n.subscriber_email_addresses == toset(["ml-team@example.com", "lead@example.org"])
    ])
    error_message = "Every notification must be a percentage threshold sent to all the e-mail addresses."
  }
}

run "custom_thresholds" {
  command = plan

  variables {
    notification_thresholds = [50, 120]
  }

  assert {
    condition     = length(aws_budgets_budget.this.notification) == 4 && toset([for n in aws_budgets_budget.this.notification : n.threshold]) == toset([50, 120])
    error_message = "notification_thresholds must drive the notification thresholds."
  }
}

run "rejects_bad_email" {
  command = plan

  variables {
    notification_emails = ["ml-team@example.com", "not-an-email"]
  }

  expect_failures = [var.notification_emails]
}

run "rejects_no_email" {
  command = plan

  variables {
    notification_emails = []
  }

  expect_failures = [var.notification_emails]
}

run "rejects_threshold_zero" {
  command = plan

  variables {
    notification_thresholds = [0, 100]
  }

  expect_failures = [var.notification_thresholds]
}

run "rejects_threshold_over_1000" {
  command = plan

  variables {
    notification_thresholds = [80, 1001]
  }

  expect_failures = [var.notification_thresholds]
}

run "rejects_non_positive_amount" {
  command = plan

  variables {
    limit_amount_usd = 0
  }

  expect_failures = [var.limit_amount_usd]
}

run "cost_filter_scopes_the_budget" {
  command = plan

  variables {
    cost_filters = { TagKeyValue = ["user:cost-scope$churn/dev"] }
  }

  assert {
    condition     = length(aws_budgets_budget.this.cost_filter) == 1 && one(aws_budgets_budget.this.cost_filter).name == "TagKeyValue" && one(aws_budgets_budget.this.cost_filter).values == tolist(["user:cost-scope$churn/dev"])
    error_message = "cost_filters must become the budget's cost_filter blocks."
  }
}

run "empty_filter_values_are_refused" {
  command = plan

  variables {
    cost_filters = { TagKeyValue = [] }
  }

  expect_failures = [var.cost_filters]
}
