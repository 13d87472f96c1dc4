output "budget_id" {
  description = "ID of the budget."
  value       = aws_budgets_budget.this.id
}

output "budget_name" {
  description = "Name of the budget."
  value       = aws_budgets_budget.this.name
}
