"""Integrations with tools a site may have installed; each imports its tool only when used."""
