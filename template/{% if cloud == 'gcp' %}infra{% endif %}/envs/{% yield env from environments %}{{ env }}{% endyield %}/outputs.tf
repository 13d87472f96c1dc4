output "stack" {
  description = "Everything the stack exposes for this environment (bucket URLs, service accounts, image repository)."
  value       = module.stack
}
