"""The catalog: what the shops list and search (queries), a product's quantity rules
(quantities), and head office's administration of products, pictures and stock (admin)."""
