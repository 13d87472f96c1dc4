variable "amount" {
  description = "Monthly budget, in the billing account's currency (whole units)."
  type        = number

  validation {
    condition     = var.amount >= 1 && floor(var.amount) == var.amount
    error_message = "amount must be a whole number of at least 1."
  }
}

variable "billing_account" {
  description = "Billing account id (XXXXXX-XXXXXX-XXXXXX)."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", var.billing_account))
    error_message = "billing_account must look like 012345-6789AB-CDEF01."
  }
}

variable "display_name" {
  description = "Name of the budget in the billing console."
  type        = string
}

variable "notification_emails" {
  description = "Addresses alerted at each threshold (a budget notifies at most 5 channels)."
  type        = list(string)

  validation {
    condition     = length(var.notification_emails) >= 1 && length(var.notification_emails) <= 5
    error_message = "Give 1 to 5 e-mail addresses: a budget notifies at most 5 monitoring channels."
  }
}

variable "project_id" {
  description = "Project whose spend this budget measures; also hosts the notification channels."
  type        = string
}

variable "project_number" {
  description = "Number of that project: the budget filter takes projects/<number>."
  type        = string
}

variable "thresholds_percent" {
  description = "Budget percentages at which actual and forecast spend alert."
  type        = list(number)
  default     = [50, 80, 100]
}
