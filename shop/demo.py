"""Demo data: a catalog in both shops, four sections, head office, and one account per role.

Everything here is invented. Loading is idempotent: what exists (by code, slug, reference or
identifier) is left as it is, so running it again changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from shop import accounts
from shop.extensions import db
from shop.models import Account, AccountType, Allocation, Category, Entity, Product, ShopKind

DEMO_PASSWORD = "demo-password-2026"

ENTITIES = [
    dict(code="SIEGE", name="MGEN SIÈGE", phone="01 40 00 00 00",
         delivery_address="3 square Max-Hymans", delivery_postcode="75015", delivery_city="PARIS",
         billing_name="MGEN SIÈGE - COMPTABILITÉ", billing_address="3 square Max-Hymans",
         billing_postcode="75015", billing_city="PARIS"),
    dict(code="S001", name="MGEN SECTION DE L'AIN", phone="04 74 00 00 01",
         delivery_address="12 avenue Alsace-Lorraine", delivery_postcode="01000",
         delivery_city="BOURG-EN-BRESSE", billing_name="MGEN CENTRE DE GESTION - COMPTABILITÉ",
         billing_address="8 rue des Comptables", billing_postcode="69003", billing_city="LYON"),
    dict(code="S003", name="MGEN SECTION DE L'ALLIER", phone="04 70 00 00 03",
         delivery_address="5 rue de Paris", delivery_postcode="03000", delivery_city="MOULINS",
         billing_name="MGEN CENTRE DE GESTION - COMPTABILITÉ",
         billing_address="8 rue des Comptables", billing_postcode="69003", billing_city="LYON"),
    dict(code="S091", name="MGEN SECTION DE L'ESSONNE", phone="01 60 00 00 91",
         delivery_address="20 boulevard de France", delivery_postcode="91000", delivery_city="ÉVRY",
         billing_name="MGEN CENTRE DE GESTION - COMPTABILITÉ",
         billing_address="8 rue des Comptables", billing_postcode="69003", billing_city="LYON"),
    dict(code="S974", name="MGEN SECTION DE LA RÉUNION", phone="02 62 00 09 74", overseas=True,
         delivery_address="14 rue de la Victoire", delivery_postcode="97400",
         delivery_city="SAINT-DENIS", billing_name="MGEN SECTION DE LA RÉUNION",
         billing_address="14 rue de la Victoire", billing_postcode="97400",
         billing_city="SAINT-DENIS"),
]

CATEGORIES = [
    (ShopKind.PRINTED, "offres-additionnelles", "Offres additionnelles"),
    (ShopKind.PRINTED, "offres-sante", "Offres santé"),
    (ShopKind.PRINTED, "services", "Services"),
    (ShopKind.PRINTED, "supports-b2b", "Supports B2B"),
    (ShopKind.PRINTED, "communication-institutionnelle", "Communication institutionnelle"),
    (ShopKind.PRINTED, "prevention", "Prévention"),
    (ShopKind.PRINTED, "reglementaire", "Réglementaire"),
    (ShopKind.OBJECTS, "bureau", "Bureau et écriture"),
    (ShopKind.OBJECTS, "sacs-textiles", "Sacs et textiles"),
    (ShopKind.OBJECTS, "bien-etre", "Bien-être et nature"),
]

# reference, name, category, price excl. VAT, VAT, (min, max, step), stock, grams, from, text
HEALTH_OPENS = date(2027, 7, 1)
P = Decimal
PRODUCTS = [
    ("DEPL-OBSEQUES", "Dépliant Garantie obsèques", "offres-additionnelles", P("0.00"), P("5.50"), (10, 200, 10), 4000, 12, None, "Présentation de la garantie obsèques et de ses options."),
    ("DEPL-DEPENDANCE", "Dépliant Offre dépendance", "offres-additionnelles", P("0.00"), P("5.50"), (10, 200, 10), 2500, 12, None, "L'offre dépendance expliquée en quatre volets."),
    ("DEPL-ASSIST-VOYAGE", "Dépliant Assistance voyage", "offres-additionnelles", P("0.00"), P("5.50"), (25, 250, 25), 1800, 10, None, "Garanties d'assistance en France et à l'étranger."),
    ("DEPL-SOLUTIONS-LOGEMENT", "Dépliant Solutions Logement", "offres-additionnelles", P("0.00"), P("5.50"), (5, 100, 5), 900, 15, None, "Les solutions logement proposées aux adhérents."),
    ("GUIDE-SANTE-2027", "Guide des offres santé 2027", "offres-sante", P("0.00"), P("5.50"), (10, 300, 10), 6000, 80, HEALTH_OPENS, "Le guide annuel des offres santé, disponible après la dotation annuelle."),
    ("FLYER-SANTE-JEUNES", "Flyer Offre santé jeunes actifs", "offres-sante", P("0.00"), P("5.50"), (25, 500, 25), 8000, 6, None, "Offre santé dédiée aux jeunes actifs de moins de 30 ans."),
    ("BROCH-SANTE-RETRAITES", "Brochure Santé retraités", "offres-sante", P("0.00"), P("5.50"), (10, 200, 10), 3200, 45, None, "Les garanties santé adaptées aux retraités."),
    ("AFFICHE-SANTE-A3", "Affiche Offre santé A3", "offres-sante", P("0.00"), P("20.00"), (1, 20, 1), 350, 60, HEALTH_OPENS, "Affiche A3 pour les points d'accueil."),
    ("DEPL-ESPACE-PERSO", "Dépliant Espace personnel en ligne", "services", P("0.00"), P("5.50"), (10, 300, 10), 5000, 8, None, "Créer et utiliser son espace personnel."),
    ("DEPL-APPLI-MOBILE", "Dépliant Application mobile", "services", P("0.00"), P("5.50"), (10, 300, 10), 4200, 8, None, "Les services de l'application mobile."),
    ("CARTE-TIERS-PAYANT", "Présentoir Carte tiers payant", "services", P("2.40"), P("20.00"), (1, 10, 1), 120, 350, None, "Présentoir de comptoir pour les cartes tiers payant."),
    ("KIT-ENTREPRISE", "Kit de présentation entreprises", "supports-b2b", P("0.00"), P("5.50"), (5, 50, 5), 600, 220, None, "Pochette et fiches pour les rendez-vous entreprises."),
    ("PLAQUETTE-COLLECTIVITES", "Plaquette Collectivités territoriales", "supports-b2b", P("0.00"), P("5.50"), (5, 100, 5), 1100, 40, None, "Offre de protection sociale pour les collectivités."),
    ("DEPL-PARTENARIAT-RELYENS", "Dépliant partenariat Relyens", "supports-b2b", P("0.00"), P("5.50"), (5, 100, 5), 700, 15, None, "Présentation du partenariat avec Relyens."),
    ("RAPPORT-ANNUEL", "Rapport annuel", "communication-institutionnelle", P("0.00"), P("5.50"), (1, 50, 1), 800, 310, None, "Le rapport annuel du groupe."),
    ("KAKEMONO-INSTIT", "Kakémono institutionnel 80×200", "communication-institutionnelle", P("38.50"), P("20.00"), (1, 2, 1), 40, 2600, None, "Kakémono enrouleur avec sac de transport."),
    ("CARTE-VOEUX", "Cartes de vœux (lot de 10)", "communication-institutionnelle", P("3.90"), P("20.00"), (1, 30, 1), 500, 110, None, "Cartes de vœux et enveloppes."),
    ("BROCHVOIX_SANS_LOGO_RPAS", "Livret Prévention VOIX sans logo RPAS", "prevention", P("0.00"), P("5.50"), (10, 200, 10), 1500, 30, None, "Voix, un capital à préserver : conseils de prévention."),
    ("LIVRET-SOMMEIL", "Livret Prévention Sommeil", "prevention", P("0.00"), P("5.50"), (10, 200, 10), 1300, 30, None, "Bien dormir pour bien travailler."),
    ("AFFICHE-ECRANS", "Affiche Prévention Écrans", "prevention", P("0.00"), P("20.00"), (1, 20, 1), 260, 60, None, "Affiche sur le bon usage des écrans."),
    ("DEPL-TMS", "Dépliant Prévention des TMS", "prevention", P("0.00"), P("5.50"), (10, 200, 10), 2100, 10, None, "Troubles musculo-squelettiques : les bons gestes."),
    ("STATUTS-2026", "Statuts de la mutuelle 2026", "reglementaire", P("0.00"), P("5.50"), (5, 100, 5), 1800, 70, None, "Statuts adoptés par l'assemblée générale."),
    ("REGLEMENT-MUTUALISTE", "Règlement mutualiste", "reglementaire", P("0.00"), P("5.50"), (5, 100, 5), 1600, 90, None, "Le règlement mutualiste en vigueur."),
    ("NOTICE-INFO-PREVOYANCE", "Notice d'information prévoyance", "reglementaire", P("0.00"), P("5.50"), (10, 200, 10), 2400, 25, None, "Notice d'information contractuelle."),
    ("STY-4-COULS", "Stylo 4 couleurs", "bureau", P("1.28"), P("20.00"), (50, 500, 50), 6000, 14, None, "Stylo bille quatre couleurs, marquage une couleur."),
    ("CARNET-S", "Carnet souple", "bureau", P("1.88"), P("20.00"), (25, 250, 25), 2500, 90, None, "Carnet A5 souple, 96 pages lignées."),
    ("CLE-USB-16", "Clé USB 16 Go", "bureau", P("4.65"), P("20.00"), (10, 100, 10), 800, 20, None, "Clé USB 16 Go avec capuchon, marquage logo."),
    ("TOUR-COU", "Tour de cou + porte-badge", "bureau", P("0.48"), P("20.00"), (50, 500, 50), 4000, 18, None, "Tour de cou tissé avec porte-badge transparent."),
    ("SAC-SHOP", "Tote bag", "sacs-textiles", P("1.52"), P("20.00"), (50, 500, 50), 3000, 110, None, "Sac en coton naturel 140 g, anses longues."),
    ("PARAPLUIE", "Parapluie pliant", "sacs-textiles", P("6.90"), P("20.00"), (10, 100, 10), 400, 320, None, "Parapluie pliant automatique, housse assortie."),
    ("CASQUETTE", "Casquette brodée", "sacs-textiles", P("3.20"), P("20.00"), (25, 200, 25), 900, 85, None, "Casquette coton, broderie du logo."),
    ("KIT-PLANT", "Kit de plantation", "bien-etre", P("2.87"), P("20.00"), (50, 300, 50), 1500, 120, None, "Pot, terreau et graines de fleurs mellifères."),
    ("OEUF-BIJ", "Œuf porte-bijoux", "bien-etre", P("5.43"), P("20.00"), (25, 200, 25), 600, 150, None, "Petit œuf en céramique pour ranger ses bijoux."),
    ("GOURDE-INOX", "Gourde inox 50 cl", "bien-etre", P("5.90"), P("20.00"), (10, 150, 10), 700, 260, None, "Gourde isotherme en acier inoxydable."),
]

# Monthly quotas per entity (head office's default for every entity).
MONTHLY_QUOTAS = {"DEPL-SOLUTIONS-LOGEMENT": 50, "DEPL-PARTENARIAT-RELYENS": 20, "KIT-ENTREPRISE": 10, "BROCHVOIX_SANS_LOGO_RPAS": 100}

# Annual allocations ("dotations"): (entity code, reference, year, quantity, delivered).
ALLOCATIONS = [
    ("S001", "GUIDE-SANTE-2027", 2027, 300, 0),
    ("S003", "GUIDE-SANTE-2027", 2027, 200, 0),
    ("S091", "GUIDE-SANTE-2027", 2027, 250, 0),
    ("S001", "FLYER-SANTE-JEUNES", 2026, 500, 500),
    ("S003", "FLYER-SANTE-JEUNES", 2026, 400, 250),
]

ACCOUNTS = [
    ("siege-admin", AccountType.HEAD_OFFICE_ADMIN, "Hélène", "Marchand", "siege-admin@boutique.example", "SIEGE", []),
    ("mgen-sd01", AccountType.SECTION_DIRECTOR, "Camille", "Rousseau", "mgen-sd01@boutique.example", "S001", ["S003", "S091"]),
    ("mgen-ar01", AccountType.REGIONAL_ASSISTANT, "Nathalie", "Girard", "mgen-ar01@boutique.example", "S003", []),
    ("logistique", AccountType.LOGISTICIAN, "Bruno", "Lemoine", "logistique@boutique.example", "SIEGE", []),
]


def load_demo(password: str = DEMO_PASSWORD) -> int:
    """Create what is missing; return how many rows were created."""
    created = 0
    entities = {e.code: e for e in db.session.scalars(select(Entity))}
    for values in ENTITIES:
        if values["code"] not in entities:
            entities[values["code"]] = Entity(**values)
            db.session.add(entities[values["code"]])
            created += 1

    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, (shop, slug, name) in enumerate(CATEGORIES):
        if slug not in categories:
            categories[slug] = Category(shop=shop, slug=slug, name=name, position=position)
            db.session.add(categories[slug])
            created += 1

    existing = set(db.session.scalars(select(Product.reference)))
    for ref, name, slug, price, vat, (low, high, step), stock, grams, opens, text in PRODUCTS:
        if ref in existing:
            continue
        db.session.add(
            Product(
                reference=ref, name=name, description=text, category=categories[slug],
                unit_price=price, vat_rate=vat, min_quantity=low, max_quantity=high,
                quantity_step=step, stock_on_hand=stock, weight_grams=grams,
                orderable_from=opens, image=f"img/products/{slug}.svg",
                monthly_quota=MONTHLY_QUOTAS.get(ref),
            )
        )
        created += 1
    db.session.flush()

    products = {p.reference: p for p in db.session.scalars(select(Product))}
    existing_allocations = set(
        db.session.execute(select(Allocation.entity_id, Allocation.product_id, Allocation.year))
    )
    for code, ref, year, quantity, delivered in ALLOCATIONS:
        key = (entities[code].id, products[ref].id, year)
        if key not in existing_allocations:
            db.session.add(Allocation(entity_id=key[0], product_id=key[1], year=year, quantity=quantity, delivered_quantity=delivered))
            created += 1

    identifiers = set(db.session.scalars(select(Account.identifier)))
    for identifier, kind, first, last, email, home, attached in ACCOUNTS:
        if identifier in identifiers:
            continue
        account = accounts.create_account(
            accounts.AccountData(
                identifier=identifier, account_type=kind, first_name=first, last_name=last,
                email=email, phone="06 00 00 00 00", entity_id=entities[home].id,
                attached_entity_ids=[entities[code].id for code in attached],
            ),
            invite=False,
        )
        account.set_password(password)
        created += 1
    db.session.flush()
    return created


# (identifier, [(reference, quantity)], what happens after validation)
DEMO_ORDERS = [
    ("mgen-ar01", [("DEPL-OBSEQUES", 50), ("FLYER-SANTE-JEUNES", 100)], "delivered"),
    ("mgen-sd01", [("DEPL-ESPACE-PERSO", 40), ("DEPL-APPLI-MOBILE", 40)], "shipped"),
    ("mgen-ar01", [("BROCH-SANTE-RETRAITES", 20)], "pooled"),
    ("mgen-sd01", [("DEPL-DEPENDANCE", 30), ("KIT-ENTREPRISE", 5)], "validated"),
    ("mgen-sd01", [("DEPL-ASSIST-VOYAGE", 50)], "saved"),
]


def load_demo_orders() -> int:
    """A few orders at every step, for the logistics pages to show something; only into a
    shop that has no order yet. They go through the real domain calls (stock, e-mails)."""
    from shop.clock import local_today, shop_timezone, utcnow
    from shop.models import Order
    from shop.ordering import fulfilment, orders, validation
    from shop.ordering.basket import add_to_basket
    from shop.ordering.workflow import Actor

    if db.session.scalar(select(Order.id).limit(1)) is not None:
        return 0
    logistician = db.session.scalar(select(Account).where(Account.identifier == "logistique"))
    by_ref = {p.reference: p for p in db.session.scalars(select(Product))}
    now, tz = utcnow(), shop_timezone()
    for n, (identifier, lines, step) in enumerate(DEMO_ORDERS):
        account = db.session.scalar(select(Account).where(Account.identifier == identifier))
        for reference, quantity in lines:
            add_to_basket(account, by_ref[reference].id, quantity, local_today())
        order = orders.save_basket(account, now, tz, 1)
        if step == "saved":
            continue
        validation.validate_order(
            account, order.id, reference="", ansh_number=f"ANSH-{n:04d}", delivery=None,
            now=now, tz=tz,
            objects_per_year=2, contact_email="",
        )
        actor = Actor.of(logistician)
        if step in ("pooled", "shipped", "delivered"):
            fulfilment.pool([order.id], actor, now)
        if step in ("shipped", "delivered"):
            tracking = f"XY{202611250000 + n}FR"
            fulfilment.ship(order.id, fulfilment.shipment("Chronopost", tracking), actor, now)
        if step == "delivered":
            fulfilment.deliver(order.id, actor, now)
    return len(DEMO_ORDERS)
