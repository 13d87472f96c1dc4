"""One module per `dayone` sub-command."""
