locals {
  # Every threshold gets both kinds: FORECASTED warns before the money is spent, ACTUAL confirms it was.
  notifications = [
    for pair in setproduct(["ACTUAL", "FORECASTED"], var.notification_thresholds) : {
      type      = pair[0]
      threshold = pair[1]
    }
  ]
}

resource "aws_budgets_budget" "this" {
  name         = var.name
  budget_type  = "COST"
  limit_amount = format("%.2f", var.limit_amount_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"
  tags         = merge(var.tags, { Name = var.name })

  # Without a filter a budget measures the whole account. Each key is a Budgets cost filter
  # (e.g. TagKeyValue = ["user:cost-scope$churn/dev"]) so that it measures one environment.
  dynamic "cost_filter" {
    for_each = var.cost_filters

    content {
      name   = cost_filter.key
      values = cost_filter.value
    }
  }

  dynamic "notification" {
    for_each = local.notifications

    content {
      comparison_operator        = "GREATER_THAN"
      notification_type          = notification.value.type
      threshold                  = notification.value.threshold
      threshold_type             = "PERCENTAGE"
      subscriber_email_addresses = var.notification_emails
    }
  }
}
