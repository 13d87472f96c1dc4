output "budget_id" {
  description = "ID of the budget."
  value       = aws_budgets_budget.this.id
}

output "budget_name" {
  description = "Name of the budget."
  value       = aws_budgets_budget.this.name
}

output "cost_filters" {
  description = "The cost filters of the budget (empty: the whole account)."
  value       = var.cost_filters
}
