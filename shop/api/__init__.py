"""The warehouse API's domain side: its clients and tokens (clients) and its OpenAPI
document (openapi). The views are in ``shop.blueprints.api``."""
