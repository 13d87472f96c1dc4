variable "cost_filters" {
  description = "Budgets cost filters, name => values, e.g. { TagKeyValue = [\"user:cost-scope$churn/dev\"] } to measure only resources carrying that tag (the tag must be activated as a cost allocation tag). Empty: the whole account."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for name, values in var.cost_filters : length(values) > 0])
    error_message = "cost_filters must give at least one value for each filter name."
  }
}

variable "limit_amount_usd" {
  description = "Monthly cost budget in US dollars."
  type        = number

  validation {
    condition     = var.limit_amount_usd > 0
    error_message = "limit_amount_usd must be a positive amount of US dollars, e.g. 200."
  }
}

variable "name" {
  description = "Name of the budget, e.g. \"churn-model-dev-monthly\"."
  type        = string

  validation {
    # Budgets refuse ':' and '\' in names.
    condition     = length(var.name) >= 1 && length(var.name) <= 100 && !can(regex("[:\\\\]", var.name))
    error_message = "name must be 1-100 characters without ':' or '\\'."
  }
}

variable "notification_emails" {
  description = "E-mail addresses that receive the budget notifications (at least one)."
  type        = list(string)

  validation {
    condition     = length(var.notification_emails) >= 1 && length(var.notification_emails) <= 10 && alltrue([for e in var.notification_emails : can(regex("^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$", e))])
    error_message = "notification_emails must hold 1 to 10 e-mail addresses such as \"team@example.com\" (AWS Budgets allows 10 subscribers per notification)."
  }
}

variable "notification_thresholds" {
  description = "Percentages of the budget at which ACTUAL and FORECASTED notifications are sent."
  type        = list(number)
  default     = [80, 100]

  validation {
    condition     = length(var.notification_thresholds) >= 1 && alltrue([for t in var.notification_thresholds : t >= 1 && t <= 1000])
    error_message = "notification_thresholds must hold at least one percentage between 1 and 1000, e.g. [80, 100]."
  }

  validation {
    condition     = length(distinct(var.notification_thresholds)) == length(var.notification_thresholds)
    error_message = "notification_thresholds must not repeat a percentage."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
