"""The Nezha dataset format (IntelligentDDS/Nezha: Online Boutique and Train-Ticket, MIT)."""
