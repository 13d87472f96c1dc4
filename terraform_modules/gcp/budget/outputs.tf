output "budget_id" {
  description = "Resource name of the budget."
  value       = google_billing_budget.this.id
}
