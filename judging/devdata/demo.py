"""The demo edition: a fictional MTL Tech Awards 2026, shaped on the real 2023 contest.

``demo_document(seed)`` builds a ``judging-edition/1`` document, always the
same for the same seed (no clock, no randomness outside ``random.Random(seed)``).
``load_demo(db)`` imports it and gives a password to the three demo logins.

The application window (2026-05-01 → 2026-12-15, America/Montreal) is open in
late 2026; submissions and scorecards are dated before ``ANCHOR`` (2026-11-20),
the demo's "today". Every person and organization is fictional: names are
built from invented syllables and common first and last names, e-mail and web
addresses use the reserved ``.example`` domain. See docs/demo.md.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask import current_app, has_request_context
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from judging.accounts.models import User
from judging.applications.models import Application
from judging.audience import operations as audience
from judging.audience import queries as audience_queries
from judging.audience.models import AudienceVoter
from judging.ceremony import plan as ceremony_plan
from judging.core.models import utcnow
from judging.core.templating import BABEL_LOCALES
from judging.editions.models import Criterion, Edition, Prize
from judging.editions.operations import set_brand
from judging.exchange.common import FORMAT
from judging.exchange.import_ import import_edition
from judging.jury import operations as jury_operations
from judging.jury import scoring
from judging.jury.models import Assignment, JuryMembership
from judging.results import computation, phases
from judging.results import operations as decisions

EDITION_CODE = "mtl-2026"
TIMEZONE = "America/Montreal"
DEMO_PASSWORD = "demo-awards-2026"
ORGANIZER_EMAIL = "organisatrice@demo.mtl-tech-awards.example"
JUROR_EMAIL = "jure@demo.mtl-tech-awards.example"
CANDIDATE_EMAIL = "candidate@demo.mtl-tech-awards.example"
DEMO_LOGINS = {"organizer": ORGANIZER_EMAIL, "juror": JUROR_EMAIL, "candidate": CANDIDATE_EMAIL}

# Submitted applications per prize (the 2023 figures: 147 in all).
SUBMITTED = {"innovation": 30, "femmes-en-tech": 42, "litteratie-jeunesse": 25, "decouvrabilite": 50}
DRAFTS = {"innovation": 1, "femmes-en-tech": 2, "litteratie-jeunesse": 1, "decouvrabilite": 2}
WITHDRAWN = {"femmes-en-tech": 1, "decouvrabilite": 1}
# Origin of the 147 (2023: Montréal 50 %, international 26.1 %, Québec 21.7 %, Canada 2.17 %).
REGION_COUNTS = {"montreal": 74, "international": 38, "quebec": 32, "canada": 3}
# Led by a woman among the 147: 87 yes (59.2 %), 48 no, 12 not answered; all 42 "Femmes en Tech" are yes.
WOMAN_LED_OUTSIDE_WIT = {True: 45, False: 48, None: 12}
JURORS_PER_PRIZE = 5
CONFLICTS = 8

ZONE = ZoneInfo(TIMEZONE)
OPENS = datetime(2026, 5, 1, 9, 0, tzinfo=ZONE)
CLOSES = datetime(2026, 12, 15, 23, 59, tzinfo=ZONE)  # as an organizer sets it: to the minute
CEREMONY = datetime(2027, 1, 20, 18, 0, tzinfo=ZONE)
ANCHOR = datetime(2026, 11, 20, 12, 0, tzinfo=ZONE)
DOMAIN = "demo.mtl-tech-awards.example"


def bilingual(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def iso(moment: datetime) -> str:
    return moment.astimezone(ZONE).isoformat()


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch if ch.isalnum() else "-" for ch in ascii_text).strip("-").replace("--", "-")


# Fictional setup -----------------------------------------------------------------------------------

PRIZES: list[dict[str, Any]] = [
    {
        "code": "innovation",
        "prefix": "INN",
        "name": bilingual("Prix de l’innovation", "Innovation Award"),
        "description": bilingual(
            "Récompense un produit, un service ou un procédé numérique nouveau qui répond à un besoin réel.",
            "Rewards a new digital product, service or process that meets a real need.",
        ),
        "eligibility": bilingual(
            "Entreprises, OBNL, organismes publics\u00a0; "
            "projet lancé ou mis à l’essai il y a moins de trois ans.",
            "Companies, non-profits and public bodies; project launched or piloted in the last three years.",
        ),
        "sponsor": "Banque Boréalis",
        "presenter": {
            "name": "Hélène Vachon-Marchand",
            "title": "Vice-présidente, innovation",
            "title_en": "Vice-President, Innovation",
            "organization": "Banque Boréalis",
        },
        "scale": (0, 10),
        "criteria": [
            (
                "impact",
                30,
                True,
                bilingual("Impact", "Impact"),
                bilingual(
                    "Qui profite du projet, et combien\u00a0?", "Who benefits from the project, and how much?"
                ),
            ),
            (
                "originalite",
                25,
                True,
                bilingual("Originalité", "Originality"),
                bilingual("En quoi le projet est-il nouveau\u00a0?", "What is new about the project?"),
            ),
            (
                "faisabilite",
                15,
                True,
                bilingual("Faisabilité", "Feasibility"),
                bilingual(
                    "L’équipe peut-elle le réaliser avec ses moyens\u00a0?",
                    "Can the team deliver it with its means?",
                ),
            ),
            (
                "marche",
                15,
                True,
                bilingual("Potentiel de marché", "Market potential"),
                bilingual("Taille et accessibilité du marché visé.", "Size and reach of the target market."),
            ),
            (
                "equipe",
                15,
                False,
                bilingual("Équipe", "Team"),
                bilingual("Compétences et complémentarité de l’équipe.", "Skills and balance of the team."),
            ),
        ],
        "org_types": {"startup": 50, "sme": 25, "large": 8, "academic": 12, "nonprofit": 5},
        "kinds": (
            ["plateforme", "capteurs", "robot", "jumeau numérique", "assistant d’IA", "tableau de bord"],
            ["platform", "sensors", "robot", "digital twin", "AI assistant", "dashboard"],
        ),
        "domains": (
            [
                "pour l’agriculture urbaine",
                "de gestion de l’énergie",
                "de logistique du dernier kilomètre",
                "pour les soins à domicile",
                "de recyclage des textiles",
                "pour la sécurité des chantiers",
            ],
            [
                "for urban farming",
                "for energy management",
                "for last-mile logistics",
                "for home care",
                "for textile recycling",
                "for construction-site safety",
            ],
        ),
        "extra_question": {
            "code": "ip",
            "label": bilingual(
                "Le projet repose-t-il sur une propriété intellectuelle protégée (brevet, licence)\u00a0?",
                "Does the project rest on protected intellectual property (patent, licence)?",
            ),
            "type": "yes-no",
            "required": False,
        },
    },
    {
        "code": "femmes-en-tech",
        "prefix": "FET",
        "name": bilingual("Prix Femmes en Tech", "Women in Tech Award"),
        "description": bilingual(
            "Souligne un projet technologique dirigé par une femme et son effet sur la place des femmes "
            "en technologie.",
            "Honours a technology project led by a woman and its effect on women's place in technology.",
        ),
        "eligibility": bilingual(
            "Projet dirigé ou cofondé par une femme.", "Project led or co-founded by a woman."
        ),
        "sponsor": "Fondation Aurore-Lemieux",
        "presenter": {
            "name": "Nadia Belkacem-Ouellet",
            "title": "Directrice générale",
            "title_en": "Executive Director",
            "organization": "Fondation Aurore-Lemieux",
        },
        "scale": (1, 5),
        "criteria": [
            (
                "impact",
                30,
                True,
                bilingual("Impact", "Impact"),
                bilingual(
                    "Retombées du projet pour ses utilisatrices et utilisateurs.",
                    "Benefits for the project's users.",
                ),
            ),
            (
                "leadership",
                30,
                True,
                bilingual("Leadership", "Leadership"),
                bilingual(
                    "Rôle de la porteuse dans la vision et la conduite du projet.",
                    "The lead's role in the project's vision and direction.",
                ),
            ),
            (
                "inclusion",
                20,
                True,
                bilingual("Inclusion", "Inclusion"),
                bilingual(
                    "Place faite aux femmes et à la diversité dans l’équipe et le produit.",
                    "Room made for women and diversity in the team and the product.",
                ),
            ),
            (
                "viabilite",
                20,
                True,
                bilingual("Viabilité", "Viability"),
                bilingual(
                    "Modèle d’affaires ou de financement durable.", "A lasting business or funding model."
                ),
            ),
        ],
        "org_types": {"startup": 45, "sme": 25, "nonprofit": 15, "academic": 10, "large": 5},
        "kinds": (
            ["application", "plateforme", "communauté en ligne", "outil d’analyse", "objet connecté"],
            ["app", "platform", "online community", "analytics tool", "connected device"],
        ),
        "domains": (
            [
                "de mentorat en programmation",
                "de santé des femmes",
                "de finance personnelle",
                "de recrutement sans biais",
                "de sécurité en ligne",
            ],
            [
                "for coding mentorship",
                "for women's health",
                "for personal finance",
                "for unbiased hiring",
                "for online safety",
            ],
        ),
        "extra_question": {
            "code": "role",
            "label": bilingual(
                "Quel est le rôle de la femme qui dirige le projet\u00a0?",
                "What is the role of the woman leading the project?",
            ),
            "type": "text",
            "required": True,
        },
    },
    {
        "code": "litteratie-jeunesse",
        "prefix": "LNJ",
        "name": bilingual("Prix en littératie numérique jeunesse", "Youth Digital Literacy Award"),
        "description": bilingual(
            "Récompense une initiative qui aide les jeunes à comprendre le numérique et à créer avec lui.",
            "Rewards an initiative that helps young people understand, use and create with digital tools.",
        ),
        "eligibility": None,
        "sponsor": "Coopérative Nordet",
        "presenter": {
            "name": "Jonathan Pelletier-Ng",
            "title": "Président",
            "title_en": "President",
            "organization": "Coopérative Nordet",
        },
        "scale": (0, 10),
        "criteria": [
            (
                "impact",
                35,
                True,
                bilingual("Impact", "Impact"),
                bilingual(
                    "Nombre de jeunes rejoints et changement observé.",
                    "Young people reached and change observed.",
                ),
            ),
            (
                "pedagogie",
                25,
                True,
                bilingual("Qualité pédagogique", "Teaching quality"),
                bilingual("Clarté, progression, évaluation.", "Clarity, progression, assessment."),
            ),
            (
                "accessibilite",
                20,
                True,
                bilingual("Accessibilité", "Accessibility"),
                bilingual(
                    "Gratuité, accessibilité universelle, régions.", "Free access, universal design, regions."
                ),
            ),
            (
                "portee",
                20,
                True,
                bilingual("Portée", "Reach"),
                bilingual(
                    "Potentiel de diffusion à d’autres milieux.", "Potential to spread to other settings."
                ),
            ),
        ],
        "org_types": {"nonprofit": 35, "public": 25, "academic": 20, "startup": 15, "sme": 5},
        "kinds": (
            ["atelier", "jeu éducatif", "trousse pédagogique", "balado", "camp de jour"],
            ["workshop", "educational game", "teaching kit", "podcast", "day camp"],
        ),
        "domains": (
            [
                "d’initiation au code",
                "sur la désinformation",
                "de création de jeux vidéo",
                "sur la vie privée en ligne",
                "d’initiation à l’IA",
            ],
            [
                "introducing code",
                "on misinformation",
                "on making video games",
                "on online privacy",
                "introducing AI",
            ],
        ),
        "extra_question": {
            "code": "audience",
            "label": bilingual("Public visé", "Audience"),
            "type": "choice",
            "required": True,
            "options": [
                {"code": "6-12", "label": bilingual("Enfants (6 à 12 ans)", "Children (6-12)")},
                {"code": "13-17", "label": bilingual("Adolescents (13 à 17 ans)", "Teens (13-17)")},
                {"code": "all", "label": bilingual("Les deux", "Both")},
            ],
        },
    },
    {
        "code": "decouvrabilite",
        "prefix": "DCF",
        "name": bilingual(
            "Prix Découvrabilité culturelle francophone", "Francophone Cultural Discoverability Award"
        ),
        "description": bilingual(
            "Souligne un projet qui rend les contenus culturels francophones plus faciles à trouver.",
            "Honours a project that makes French-language cultural content easier to find.",
        ),
        "eligibility": bilingual(
            "Projet visant des contenus culturels de langue française.",
            "Project about French-language cultural content.",
        ),
        "sponsor": "Bureau de la découvrabilité culturelle",
        "presenter": {
            "name": "Geneviève Saint-Arnaud",
            "title": "Directrice",
            "title_en": "Director",
            "organization": "Bureau de la découvrabilité culturelle",
        },
        "scale": (1, 5),
        "criteria": [
            (
                "impact",
                30,
                True,
                bilingual("Impact", "Impact"),
                bilingual(
                    "Effet mesurable sur la consultation des contenus.", "Measurable effect on content use."
                ),
            ),
            (
                "visibilite",
                25,
                True,
                bilingual("Visibilité des contenus francophones", "Visibility of French content"),
                bilingual("Métadonnées, recommandation, référencement.", "Metadata, recommendation, search."),
            ),
            (
                "innovation",
                20,
                True,
                bilingual("Innovation", "Innovation"),
                bilingual("Nouveauté de l’approche.", "Novelty of the approach."),
            ),
            (
                "perennite",
                15,
                True,
                bilingual("Pérennité", "Sustainability"),
                bilingual(
                    "Le projet durera-t-il après le financement\u00a0?",
                    "Will the project last beyond its funding?",
                ),
            ),
            (
                "partenariats",
                10,
                False,
                bilingual("Partenariats", "Partnerships"),
                bilingual("Alliances avec le milieu culturel.", "Alliances with the cultural sector."),
            ),
        ],
        "org_types": {"sme": 30, "startup": 25, "nonprofit": 25, "public": 15, "academic": 5},
        "kinds": (
            ["moteur de recommandation", "plateforme", "catalogue ouvert", "application", "balado"],
            ["recommendation engine", "platform", "open catalogue", "app", "podcast"],
        ),
        "domains": (
            [
                "de musique québécoise",
                "de théâtre jeunesse",
                "de livres numériques",
                "de cinéma d’auteur",
                "de patrimoine régional",
            ],
            [
                "for Québec music",
                "for young audiences' theatre",
                "for e-books",
                "for independent film",
                "for regional heritage",
            ],
        ),
        "extra_question": {
            "code": "contenus",
            "label": bilingual(
                "Quels contenus francophones votre projet met-il en valeur\u00a0?",
                "Which French-language content does your project showcase?",
            ),
            "type": "long-text",
            "max_words": 150,
            "required": True,
        },
    },
]

# (name, title, organization, language) — five per prize, in PRIZES order.
JURORS: list[tuple[str, str, str, str]] = [
    ("Jérémie Lafleur-Diallo", "Professeur agrégé", "Université Bellerive", "fr"),
    ("Sophie Castonguay", "Directrice, investissements", "Banque Boréalis", "fr"),
    ("Daniel Okafor", "Research Director", "Centre de recherche Odalys en IA", "en"),
    ("Marie-Ève Thibodeau", "Conseillère en innovation", "Institut Cartier-Numérique", "fr"),
    ("Raphaël Mercier-Tran", "Associé", "Fonds Laurentide Capital", "fr"),
    ("Isabelle Fontaine-Kamara", "Vice-rectrice", "Université Bellerive", "fr"),
    ("Emily Robertson", "Chief Technology Officer", "Groupe Valmérac", "en"),
    ("Leïla Haddad", "Fondatrice", "Réseau Tisserandes numériques", "fr"),
    ("Catherine Lussier", "Directrice, diversité", "Banque Boréalis", "fr"),
    ("Aminata Sow", "Chercheuse", "Centre de recherche Odalys en IA", "fr"),
    ("Patrick Beauregard", "Conseiller pédagogique", "Collège Val-Aurore", "fr"),
    ("Nathalie Desrosiers", "Bibliothécaire en chef", "Bibliothèque du Haut-Canton", "fr"),
    ("Kevin Lam", "Learning Designer", "Institut Cartier-Numérique", "en"),
    ("Josée Paradis", "Directrice générale", "Coopérative Nordet", "fr"),
    ("Samir Benjelloun", "Professeur", "Université Bellerive", "fr"),
    ("Valérie Gendron", "Productrice", "Studio Marée-Haute", "fr"),
    ("Olivier Duchesneau", "Chercheur", "Laboratoire Hélicoïde", "fr"),
    ("Claire Whitfield", "Program Officer", "Fondation Aurore-Lemieux", "en"),
    ("Benoît Lachance-Roy", "Directeur, contenus", "Groupe Valmérac", "fr"),
    ("Mélanie Arsenault", "Conseillère", "Bureau de la découvrabilité culturelle", "fr"),
]
JUROR_TYPES = {
    "Université Bellerive": "academic",
    "Centre de recherche Odalys en IA": "academic",
    "Collège Val-Aurore": "academic",
    "Laboratoire Hélicoïde": "academic",
    "Bibliothèque du Haut-Canton": "public",
    "Bureau de la découvrabilité culturelle": "public",
    "Banque Boréalis": "large",
    "Groupe Valmérac": "large",
    "Fonds Laurentide Capital": "sme",
    "Studio Marée-Haute": "sme",
    "Institut Cartier-Numérique": "nonprofit",
    "Coopérative Nordet": "nonprofit",
    "Fondation Aurore-Lemieux": "nonprofit",
    "Réseau Tisserandes numériques": "nonprofit",
}
ORGANIZERS = [
    ("Odile Bernier-Sauvé", "Directrice de programme", "fr", ORGANIZER_EMAIL),
    ("Thomas Gervais", "Coordonnateur du concours", "fr", f"thomas.gervais@{DOMAIN}"),
]
CANDIDATE = ("Camille Demers-Ouimet", "Atelier Lumavia", "fr", CANDIDATE_EMAIL)

FIRST_F = [
    "Camille",
    "Élodie",
    "Sofia",
    "Aïcha",
    "Mei",
    "Léa",
    "Fatou",
    "Ana",
    "Inès",
    "Maude",
    "Chloé",
    "Priya",
    "Noémie",
    "Rosalie",
    "Amina",
    "Laurence",
    "Zoé",
    "Julie",
    "Salma",
    "Hannah",
    "Clara",
    "Yasmine",
    "Émilie",
    "Sarah",
    "Nour",
    "Gabrielle",
    "Lina",
    "Audrey",
]
FIRST_M = [
    "Mathieu",
    "Karim",
    "Jérôme",
    "Olivier",
    "Gabriel",
    "Samuel",
    "Nicolas",
    "Thomas",
    "David",
    "Youssef",
    "Antoine",
    "Julien",
    "Marc-André",
    "Hugo",
    "Félix",
    "Vincent",
    "Moussa",
    "Lucas",
    "Étienne",
    "Omar",
    "Simon",
    "Kwame",
    "Alexis",
    "Jonathan",
]
LAST = [
    "Tremblay",
    "Gagnon",
    "Roy",
    "Côté",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Fortin",
    "Ouellet",
    "Pelletier",
    "Bélanger",
    "Lévesque",
    "Bergeron",
    "Paquette",
    "Girard",
    "Simard",
    "Caron",
    "Beaulieu",
    "Cloutier",
    "Dubé",
    "Poirier",
    "Lapointe",
    "Diallo",
    "Nguyen",
    "Haddad",
    "Mensah",
    "Costa",
    "Moreau",
    "Laurent",
    "Chen",
    "Santos",
    "Benali",
    "Kowalski",
    "Traoré",
    "Joseph",
    "Fernandes",
    "Rahman",
]
SYLLABLES = (
    [
        "vel",
        "kor",
        "nor",
        "bri",
        "lum",
        "ov",
        "tes",
        "zan",
        "mir",
        "al",
        "sol",
        "quin",
        "ryn",
        "dav",
        "el",
        "fen",
        "gal",
        "hal",
        "ith",
        "jov",
        "pax",
        "ter",
        "ul",
        "wen",
        "yv",
    ],
    ["a", "o", "i", "e", "u", "ia", "eo"],
    ["ra", "lo", "nix", "via", "mo", "tek", "lys", "dra", "vo", "ne", "ka", "ria", "bel", "sto"],
)
NOT_FICTIONAL = {"lumavia", "solaria", "nova", "kodak", "nokia", "ovo", "telus", "bell", "vivo", "alora"}
SUFFIXES = {
    "startup": ["Labs inc.", "Technologies", "IA inc.", "Numérique", "Robotique inc.", "Solutions"],
    "sme": ["Services inc.", "Conseil", "Systèmes ltée", "Groupe-conseil", "Médias inc."],
    "large": ["Corporation", "Groupe"],
    "nonprofit": ["Fondation", "Collectif", "Association", "Réseau", "Coopérative"],
    "public": ["Bibliothèque de", "Office municipal de", "Centre de services scolaire de", "Musée de"],
    "academic": ["Université de", "Collège", "Institut", "Cégep de"],
}
PLACES = [
    "Belle-Rive",
    "Saint-Aurèle",
    "Val-Brume",
    "Haut-Sorel",
    "Lac-Mirande",
    "Pointe-Ovide",
    "Mont-Clairval",
    "Rivière-Ardoise",
    "Sainte-Ysolde",
    "Port-Arcand",
]
CITIES = {
    "montreal": [("Montréal", "CA")],
    "quebec": [
        ("Québec", "CA"),
        ("Sherbrooke", "CA"),
        ("Gatineau", "CA"),
        ("Trois-Rivières", "CA"),
        ("Laval", "CA"),
        ("Longueuil", "CA"),
        ("Lévis", "CA"),
        ("Rimouski", "CA"),
        ("Saguenay", "CA"),
    ],
    "canada": [("Toronto", "CA"), ("Ottawa", "CA"), ("Moncton", "CA"), ("Vancouver", "CA")],
    "international": [
        ("Paris", "FR"),
        ("Lyon", "FR"),
        ("Bordeaux", "FR"),
        ("Bruxelles", "BE"),
        ("Genève", "CH"),
        ("Lausanne", "CH"),
        ("Dakar", "SN"),
        ("Abidjan", "CI"),
        ("Tunis", "TN"),
        ("Casablanca", "MA"),
        ("Boston", "US"),
        ("Barcelone", "ES"),
        ("Berlin", "DE"),
        ("Port-au-Prince", "HT"),
        ("Cotonou", "BJ"),
    ],
}
ENGLISH_COUNTRIES = {"US", "DE"}
SENTENCES_FR = [
    "Notre équipe a conçu {title} avec des partenaires du milieu.",
    "Le projet a été testé auprès de {n} personnes pendant l’année.",
    "Nous voulons le rendre accessible à toutes les régions du Québec.",
    "Un premier prototype a été présenté à nos partenaires au printemps.",
    "Les données recueillies restent hébergées au Canada.",
    "La prochaine étape est un projet pilote avec deux organismes.",
    "Nos utilisatrices et utilisateurs ont participé à chaque étape de la conception.",
    "Le modèle de financement combine abonnements et subventions.",
]
SENTENCES_EN = [
    "Our team designed {title} together with community partners.",
    "The project was tested with {n} people this year.",
    "We want to make it available in every region.",
    "A first prototype was shown to our partners in the spring.",
    "The data we collect stays hosted in Canada.",
    "Next comes a pilot project with two organizations.",
    "Our users took part in every design step.",
    "The funding model mixes subscriptions and grants.",
]
COMMENTS = {
    "fr": [
        "Projet solide, impact bien démontré.",
        "Bonne idée, mais le modèle d’affaires reste flou.",
        "Équipe convaincante\u00a0; la faisabilité technique m’inquiète un peu.",
        "Très pertinent pour le public visé.",
        "Dossier incomplet sur les résultats obtenus.",
        "Approche originale, à suivre.",
    ],
    "en": [
        "Strong project with well-documented impact.",
        "Good idea; the business model is still vague.",
        "Convincing team, some doubts about technical feasibility.",
        "Very relevant to its audience.",
        "Little evidence of results so far.",
        "Original approach, worth following.",
    ],
}
STAGES = ["idea", "prototype", "market", "scale"]


def _questions(prize: dict[str, Any]) -> list[dict[str, Any]]:
    """Every question type: url, long-text with a word limit, choice, text (identifying), yes-no, file."""
    return [
        {
            "code": "website",
            "label": bilingual("Site web du projet", "Project website"),
            "help": bilingual("Adresse complète, avec https://", "Full address, with https://"),
            "type": "url",
            "required": False,
        },
        {
            "code": "pitch",
            "label": bilingual("Décrivez votre projet", "Describe your project"),
            "help": bilingual(
                "Le problème, votre solution, vos résultats.", "The problem, your solution, your results."
            ),
            "type": "long-text",
            "max_words": 300,
            "required": True,
        },
        {
            "code": "stage",
            "label": bilingual("Stade de développement", "Stage of development"),
            "type": "choice",
            "options": [
                {"code": "idea", "label": bilingual("Idée", "Idea")},
                {"code": "prototype", "label": bilingual("Prototype", "Prototype")},
                {"code": "market", "label": bilingual("Commercialisé", "On the market")},
                {"code": "scale", "label": bilingual("En croissance", "Scaling up")},
            ],
            "required": True,
        },
        {
            "code": "lead",
            "label": bilingual("Nom de la personne qui porte le projet", "Name of the project lead"),
            "type": "text",
            "required": True,
            "identifying": True,
        },
        {
            "code": "available",
            "label": bilingual(
                "Serez-vous disponible pour la finale du 30 novembre 2026 si vous êtes finaliste ?",
                "Will you be available for the final on 30 November 2026 if you are a finalist?",
            ),
            "type": "yes-no",
            "required": True,
        },
        prize["extra_question"],
        {
            "code": "deck",
            "label": bilingual("Présentation (PDF, 10 Mo au plus)", "Slide deck (PDF, 10 MB at most)"),
            "type": "file",
            "required": False,
        },
    ]


def prize_entry(prize: dict[str, Any]) -> dict[str, Any]:
    low, high = prize["scale"]
    criteria = [
        {
            "code": code,
            "name": name,
            "guidance": guidance,
            "weight": weight,
            "min": low,
            "max": high,
            "required": required,
        }
        for code, weight, required, name, guidance in prize["criteria"]
    ]
    final = [
        {
            "code": "impact",
            "name": bilingual("Impact", "Impact"),
            "weight": 40,
            "min": 0,
            "max": 10,
            "required": True,
        },
        {
            "code": "pitch",
            "name": bilingual("Qualité de la présentation", "Pitch quality"),
            "guidance": bilingual(
                "Clarté et conviction de la présentation en direct.",
                "Clarity and conviction of the live presentation.",
            ),
            "weight": 30,
            "min": 0,
            "max": 10,
            "required": True,
        },
        {
            "code": "vision",
            "name": bilingual("Vision", "Vision"),
            "weight": 30,
            "min": 0,
            "max": 10,
            "required": True,
        },
    ]
    entry: dict[str, Any] = {
        "code": prize["code"],
        "name": prize["name"],
        "description": prize["description"],
    }
    if prize["eligibility"] is not None:
        entry["eligibility"] = prize["eligibility"]
    entry.update(
        sponsor=prize["sponsor"],
        presenter=prize["presenter"],
        finalists=3,
        rounds=[
            {
                "code": "preselection",
                "name": bilingual("Présélection", "Preselection"),
                "method": "mean",
                "jurors_per_application": 3,
                "tie_break": ["criterion:impact", "median"],
                "phase": "judging",
                "criteria": criteria,
            },
            {
                "code": "final",
                "name": bilingual("Finale", "Final"),
                "method": "schulze",
                "tie_break": ["first-places", "mean"],
                "criteria": final,
            },
        ],
        questions=_questions(prize),
    )
    return entry


# Generator ------------------------------------------------------------------------------------------


class Names:
    """Fictional brands and people, never twice the same."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.brands: set[str] = set()
        self.emails: set[str] = set()

    def brand(self) -> str:
        first, middle, last = SYLLABLES
        while True:
            word = self.rng.choice(first) + self.rng.choice(middle) + self.rng.choice(last)
            if word not in self.brands and word not in NOT_FICTIONAL and 5 <= len(word) <= 9:
                self.brands.add(word)
                return word.capitalize()

    def organization(self, org_type: str, english: bool) -> tuple[str, str]:
        """(organization name, brand) for an organization of that type."""
        brand = self.brand()
        suffix = self.rng.choice(SUFFIXES[org_type])
        if org_type in ("startup", "sme"):
            if english:
                suffix = {
                    "Numérique": "Digital",
                    "Robotique inc.": "Robotics Inc.",
                    "IA inc.": "AI Inc.",
                    "Conseil": "Consulting",
                    "Systèmes ltée": "Systems Ltd.",
                    "Groupe-conseil": "Advisory",
                    "Médias inc.": "Media Inc.",
                    "Services inc.": "Services Inc.",
                    "Labs inc.": "Labs Inc.",
                }.get(suffix, suffix)
            return f"{brand} {suffix}", brand
        if org_type == "large":
            return (f"Groupe {brand}" if suffix == "Groupe" else f"{brand} {suffix}"), brand
        if org_type == "nonprofit":
            if english:
                return f"{brand} {self.rng.choice(['Foundation', 'Collective', 'Network'])}", brand
            return f"{suffix} {brand}", brand
        place = self.rng.choice(PLACES)
        if org_type == "public":
            return f"{suffix} {place}", place
        return (f"{suffix} {place}" if suffix.endswith("de") else f"{suffix} {brand}"), brand

    def person(self, woman: bool | None) -> tuple[str, str]:
        if woman is None:
            woman = self.rng.random() < 0.5
        first = self.rng.choice(FIRST_F if woman else FIRST_M)
        last = self.rng.choice(LAST)
        if self.rng.random() < 0.15:
            last = f"{last}-{self.rng.choice(LAST)}"
        return first, last

    def email(self, first: str, last: str, domain: str) -> str:
        base = f"{slug(first)}.{slug(last)}"
        email, n = f"{base}@{domain}", 2
        while email in self.emails:
            email, n = f"{base}{n}@{domain}", n + 1
        self.emails.add(email)
        return email


def pitch(rng: random.Random, title: str, english: bool) -> str:
    sentences = SENTENCES_EN if english else SENTENCES_FR
    chosen = rng.sample(sentences, k=rng.randint(3, 6))
    language = "en" if english else "fr"
    locale = BABEL_LOCALES.get(language, language)  # « 2 000 » (U+00A0, as the pages write numbers), "2,000"
    counts = (format_decimal(rng.choice([40, 120, 300, 850, 2000]), locale=locale) for _ in chosen)
    return " ".join(s.format(title=title, n=n) for s, n in zip(chosen, counts, strict=False))


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = int((end - start).total_seconds())
    moment = start + timedelta(seconds=rng.randint(0, max(seconds, 0)))
    return moment.replace(second=0, microsecond=0)


#: The extra question "role" of the prizes that ask it: the demo's answers.
ROLES = ["Fondatrice et PDG", "Cofondatrice, technologie", "Directrice générale", "Chercheuse principale"]


def answers(
    rng: random.Random,
    prize: dict[str, Any],
    *,
    website: str,
    title: str,
    lead: str,
    english: bool,
    draft: bool,
    roles: list[str] = ROLES,
) -> dict[str, Any]:
    """The answers to the prize's form; a draft is half filled in (its first one to four answers)."""
    values: dict[str, Any] = {
        "website": website,
        "pitch": pitch(rng, title, english),
        "stage": rng.choice(STAGES),
        "lead": lead,
        "available": rng.random() < 0.9,
    }
    extra = prize["extra_question"]
    if extra["type"] == "yes-no":
        values[extra["code"]] = rng.random() < 0.4
    elif extra["type"] == "choice":
        values[extra["code"]] = rng.choice(extra["options"])["code"]
    elif extra["code"] == "role":
        values[extra["code"]] = rng.choice(roles)
    else:
        values[extra["code"]] = pitch(rng, title, english)[:400]
    if draft:
        values = dict(list(values.items())[: rng.randint(1, 4)])
    return values


def demo_document(seed: int = 2023, *, complete: bool = False) -> dict[str, Any]:
    """The demo edition as a ``judging-edition/1`` document; the same seed gives the same document.

    ``complete``: every preselection scorecard is submitted (but the abstention and the recusal),
    as when judging has closed.
    """
    rng = random.Random(seed)
    names = Names(rng)
    # Brands of the fixed organizations are reserved so generated ones cannot repeat them.
    names.brands.update({"lumavia", "borealis", "odalys", "valmerac", "nordet"})
    people, jurors_by_prize, juror_org = _people(names)
    applications, quality = _applications(rng, names)
    _withhold_one_finalist(applications, quality)
    conflicts = _conflicts(rng, applications, jurors_by_prize, juror_org)
    for application in applications:
        if application["contact"] == CANDIDATE_EMAIL and application["status"] == "submitted":
            application["submissions"] = [_receipt(application)]
    language = {p["email"]: p["language"] for p in people}
    scorecards = _scorecards(
        rng, applications, jurors_by_prize, conflicts, quality, language, complete=complete
    )
    return {
        "format": FORMAT,
        "edition": {
            "code": EDITION_CODE,
            "name": bilingual("MTL Tech Awards 2026 (démo)", "MTL Tech Awards 2026 (demo)"),
            "timezone": TIMEZONE,
            "applications_open": iso(OPENS),
            "applications_close": iso(CLOSES),
            "ceremony_at": iso(CEREMONY),
        },
        "prizes": [prize_entry(prize) for prize in PRIZES],
        "people": people,
        "juries": _juries(jurors_by_prize),
        "applications": applications,
        "conflicts": conflicts,
        "scorecards": scorecards,
        "decisions": [],
    }


def _people(names: Names) -> tuple[list[dict[str, Any]], dict[str, list[str]], dict[str, str]]:
    """The organizers, the jurors (JURORS_PER_PRIZE per prize, in order) and the demo candidate;
    also the jurors' e-mails by prize and each juror's organization."""
    people: list[dict[str, Any]] = [
        {
            "email": email,
            "name": name,
            "organization": "MTL Tech Awards (démo)",
            "title": title,
            "roles": ["organizer"],
            "language": language,
        }
        for name, title, language, email in ORGANIZERS
    ]
    jurors_by_prize: dict[str, list[str]] = {}
    juror_org: dict[str, str] = {}
    for index, (name, title, org, language) in enumerate(JURORS):
        prize = PRIZES[index // JURORS_PER_PRIZE]["code"]
        if index == 0:
            email = JUROR_EMAIL
        else:
            first, _, last = name.partition(" ")
            email = names.email(first, last, f"{slug(org)}.example")
        people.append(
            {
                "email": email,
                "name": name,
                "organization": org,
                "title": title,
                "roles": ["juror"],
                "language": language,
            }
        )
        jurors_by_prize.setdefault(prize, []).append(email)
        juror_org[email] = org
    people.append(
        {
            "email": CANDIDATE[3],
            "name": CANDIDATE[0],
            "organization": CANDIDATE[1],
            "roles": ["candidate"],
            "language": CANDIDATE[2],
        }
    )
    return people, jurors_by_prize, juror_org


def _juries(jurors_by_prize: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The same five jurors on a prize's preselection and final, the second one chairing."""
    juries = []
    for prize in PRIZES:
        jurors = jurors_by_prize[prize["code"]]
        for round_code in ("preselection", "final"):
            juries.append(
                {"prize": prize["code"], "round": round_code, "jurors": list(jurors), "chairs": [jurors[1]]}
            )
    return juries


def _applications(rng: random.Random, names: Names) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Every prize's applications (SUBMITTED, DRAFTS, WITHDRAWN), refs in the order they were opened;
    and the hidden quality of each (by ref) that the scores follow."""
    # Regions and "led by a woman" are dealt exactly, then shuffled.
    regions = [region for region, count in REGION_COUNTS.items() for _ in range(count)]
    rng.shuffle(regions)
    woman_led_other = [value for value, count in WOMAN_LED_OUTSIDE_WIT.items() for _ in range(count)]
    rng.shuffle(woman_led_other)
    draw = _DemoApplicationDrawer(rng, names, regions, woman_led_other)
    applications: list[dict[str, Any]] = []
    quality: dict[str, float] = {}
    for prize in PRIZES:
        code = prize["code"]
        statuses = (
            ["submitted"] * SUBMITTED[code]
            + ["draft"] * DRAFTS.get(code, 0)
            + ["withdrawn"] * WITHDRAWN.get(code, 0)
        )
        entries = [draw(prize, number, status) for number, status in enumerate(statuses)]
        entries.sort(key=lambda pair: pair[0])  # refs follow the order in which files were opened
        for number, (_, item) in enumerate(entries, start=1):
            item["ref"] = f"{prize['prefix']}-{number:03d}"
            applications.append(item)
            quality[item["ref"]] = rng.gauss(0, 1)
    return applications, quality


class _DemoApplicationDrawer:
    """Draws one demo application: (the moment it was opened, its document entry).

    Received applications take their region and "led by a woman" from the dealt lists; the demo
    candidate's own (the first Innovation one, and the Littératie draft) are Atelier Lumavia's.
    """

    def __init__(
        self, rng: random.Random, names: Names, regions: list[str], woman_led: list[bool | None]
    ) -> None:
        self.rng, self.names, self.regions, self.woman_led = rng, names, regions, woman_led

    def __call__(self, prize: dict[str, Any], number: int, status: str) -> tuple[datetime, dict[str, Any]]:
        rng, code = self.rng, prize["code"]
        received = status == "submitted"
        demo_candidate = (code == "innovation" and number == 0) or (
            code == "litteratie-jeunesse" and status == "draft"
        )
        region = self._region(received, demo_candidate)
        woman = self._woman_led(code, received)
        city, country = rng.choice(CITIES[region])
        english = (
            region == "canada"
            or country in ENGLISH_COUNTRIES
            or (region != "international" and rng.random() < 0.15)
        )
        org_type = rng.choices(list(prize["org_types"]), weights=list(prize["org_types"].values()))[0]
        org_name, brand = self.names.organization(org_type, english)
        first, last = self.names.person(woman)
        if demo_candidate:
            first, _, last = CANDIDATE[0].partition(" ")
            org_name, brand, org_type, english = CANDIDATE[1], "Lumavia", "startup", False
            region, city, country = "montreal", "Montréal", "CA"
            contact = CANDIDATE[3]
        else:
            contact = self.names.email(first, last, f"{slug(brand)}.example")
        kinds = prize["kinds"][1 if english else 0]
        domains = prize["domains"][1 if english else 0]
        project = f"{kinds[rng.randrange(len(kinds))]} {domains[rng.randrange(len(domains))]}"
        title = f"{brand}\u00a0: {project}" if not english else f"{brand}: {project}"
        if status == "draft":
            moment = _moment(rng, OPENS + timedelta(days=30), ANCHOR)
        else:
            moment = _moment(rng, OPENS + timedelta(days=3), ANCHOR - timedelta(days=6))
        website = f"https://{slug(brand)}.example"
        item = _application_entry(
            prize,
            status,
            moment,
            title=title,
            summary=project_summary(project, org_name, english),
            english=english,
            contact=contact,
            contact_name=f"{first} {last}",
            website=website,
            organization={
                "name": org_name,
                "type": org_type,
                "region": region,
                "country": country,
                "city": city,
            },
            woman=woman,
        )
        item["answers"] = answers(
            rng,
            prize,
            website=website,
            title=title,
            lead=f"{first} {last}",
            english=english,
            draft=status == "draft",
        )
        return moment, item

    def _region(self, received: bool, demo_candidate: bool) -> str:
        if demo_candidate and received:
            self.regions.remove("montreal")  # the demo candidate works in Montréal
            return "montreal"
        return self.regions.pop() if received else self.rng.choice(list(REGION_COUNTS))

    def _woman_led(self, code: str, received: bool) -> bool | None:
        if code == "femmes-en-tech":
            return True
        return self.woman_led.pop() if received else self.rng.choice([True, False, None])


def project_summary(project: str, org_name: str, english: bool) -> str:
    """The one-line summary of a submitted application: its project, and who carries it."""
    by = "by" if english else "porté par"
    return f"{project[0].upper()}{project[1:]}, {by} {org_name}."


def _application_entry(
    prize: dict[str, Any],
    status: str,
    moment: datetime,
    *,
    title: str,
    summary: str,
    english: bool,
    contact: str,
    contact_name: str,
    website: str,
    organization: dict[str, str],
    woman: bool | None,
) -> dict[str, Any]:
    """The application's entry in the document, its keys in the document's order (``ref`` set later)."""
    item: dict[str, Any] = {"ref": "", "prize": prize["code"], "status": status}
    if status != "draft":
        item["submitted_at"] = iso(moment)
    item["title"] = title
    if status != "draft":
        item["summary"] = summary
    item.update(
        language="en" if english else "fr",
        contact=contact,
        contact_name=contact_name,
        website=website,
        organization=organization,
    )
    if woman is not None:
        item["led_by_woman"] = woman
    if status != "draft":  # the form's own question (most say yes; see _withhold_one_finalist)
        item["publication_consent"] = True
        item["publication_consent_at"] = item["submitted_at"]
    return item


def _withhold_one_finalist(applications: list[dict[str, Any]], quality: dict[str, float]) -> None:
    """One likely finalist (the best Innovation application but the demo candidate's) says no to publication.

    So the demo shows "Finalist (name withheld)" on the public pages and the warning before announcing.
    """
    candidates = [
        a
        for a in applications
        if a["prize"] == "innovation" and a["status"] == "submitted" and a.get("contact") != CANDIDATE[3]
    ]
    best = max(candidates, key=lambda a: quality[a["ref"]])
    best["publication_consent"] = False


CONFLICT_REASONS = [
    "Ancien employeur (jusqu’en 2024).",
    "A conseillé le projet bénévolement.",
    "Lien familial avec une personne de l’équipe.",
    "Investisseur dans l’entreprise.",
    "A dirigé le mémoire d’une personne de l’équipe.",
    "Partenaire d’affaires actuel.",
]


def _conflicts(
    rng: random.Random,
    applications: list[dict[str, Any]],
    jurors_by_prize: dict[str, list[str]],
    juror_org: dict[str, str],
) -> list[dict[str, Any]]:
    """About eight conflicts: two "same organization" cases, the others declared by the jurors."""
    conflicts: list[dict[str, Any]] = []
    taken: set[tuple[str, str]] = set()
    received = [a for a in applications if a["status"] == "submitted"]
    # Two projects come from a juror's own organization (the ecosystem is small).
    for prize_code, juror_index in (("innovation", 0), ("litteratie-jeunesse", 3)):
        juror = jurors_by_prize[prize_code][juror_index]
        candidates = [a for a in received if a["prize"] == prize_code and a["contact"] != CANDIDATE_EMAIL]
        application = rng.choice(candidates)
        previous = application["organization"]["name"]
        application["organization"].update(name=juror_org[juror], type=JUROR_TYPES[juror_org[juror]])
        application["summary"] = application["summary"].replace(previous, juror_org[juror])
        conflicts.append(
            {
                "juror": juror,
                "application": application["ref"],
                "reason": "Même organisation.",
                "source": "organization",
            }
        )
        taken.add((juror, application["ref"]))
    while len(conflicts) < CONFLICTS:
        application = rng.choice(received)
        juror = rng.choice(jurors_by_prize[application["prize"]])
        if (juror, application["ref"]) in taken:
            continue
        taken.add((juror, application["ref"]))
        conflicts.append(
            {
                "juror": juror,
                "application": application["ref"],
                "reason": rng.choice(CONFLICT_REASONS),
                "source": "declared",
            }
        )
    return conflicts


def _receipt(application: dict[str, Any]) -> dict[str, Any]:
    """The receipt of the demo candidate's submission (its number in the ``new_receipt_number``
    form, a fixed suffix so the document stays the same for the same seed)."""
    suffix = hashlib.sha256(application["ref"].encode()).hexdigest()[:4].upper()
    return {
        "submitted_at": application["submitted_at"],
        "receipt_number": f"MTL-{CLOSES.year}-{application['ref']}-{suffix}",
        "language": application["language"],
        "context": {},
    }


def score(rng: random.Random, low: int, high: int, quality: float, leniency: float) -> int:
    """A score on [low, high] that follows the application's quality and the juror's leniency."""
    middle, spread = (low + high) / 2, (high - low) / 4
    value = middle + spread * (0.9 * quality + leniency + rng.gauss(0, 0.6))
    return int(min(high, max(low, round(value))))


def _scorecards(
    rng: random.Random,
    applications: list[dict[str, Any]],
    jurors_by_prize: dict[str, list[str]],
    conflicts: list[dict[str, Any]],
    quality: dict[str, float],
    language: dict[str, str],
    *,
    complete: bool = False,
) -> list[dict[str, Any]]:
    """Three jurors per received application, never one in conflict, loads balanced; ~60 % submitted
    (all but the abstention and the recusal when ``complete``)."""
    leniency = {email: rng.gauss(0, 0.5) for emails in jurors_by_prize.values() for email in emails}
    scorecards = _assign_preselection(rng, applications, jurors_by_prize, conflicts)
    _deal_statuses(rng, scorecards, complete=complete)
    by_code = {p["code"]: p for p in PRIZES}
    for card in scorecards:
        received = datetime.fromisoformat(card.pop("_received"))
        if card["status"] in ("submitted", "draft"):
            prize = by_code[card["prize"]]
            card["scores"] = _card_scores(
                rng, prize, card["status"], quality[card["application"]], leniency[card["juror"]]
            )
            if card["status"] == "submitted":
                if rng.random() < 0.4:
                    card["comment"] = rng.choice(COMMENTS[language[card["juror"]]])
                card["submitted_at"] = iso(_moment(rng, received + timedelta(days=1), ANCHOR))
    return scorecards


def _assign_preselection(
    rng: random.Random,
    applications: list[dict[str, Any]],
    jurors_by_prize: dict[str, list[str]],
    conflicts: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Assigned scorecards: the three least loaded free jurors (ties in a shuffled order) per received
    application. ``_received`` (popped later) carries the application's submission moment."""
    blocked = {(c["juror"], c["application"]) for c in conflicts}
    scorecards: list[dict[str, Any]] = []
    for prize in PRIZES:
        code = prize["code"]
        jurors = jurors_by_prize[code]
        load = dict.fromkeys(jurors, 0)
        for application in [a for a in applications if a["prize"] == code and a["status"] == "submitted"]:
            ref = application["ref"]
            free = [j for j in jurors if (j, ref) not in blocked]
            rng.shuffle(free)
            for juror in sorted(free, key=lambda j: load[j])[:3]:
                load[juror] += 1
                scorecards.append(
                    {
                        "prize": code,
                        "round": "preselection",
                        "juror": juror,
                        "application": ref,
                        "status": "assigned",
                        "scores": {},
                        "_received": application["submitted_at"],
                    }
                )
    return scorecards


def _deal_statuses(rng: random.Random, scorecards: list[dict[str, Any]], *, complete: bool) -> None:
    """The demo juror has done half of the pile; the others about 60 %; one abstention, one recusal.

    ``complete``: every assigned or draft card is submitted (judging has closed)."""
    demo_seen = 0
    for card in scorecards:
        if card["juror"] == JUROR_EMAIL:
            demo_seen += 1
            card["status"] = "submitted" if demo_seen <= 9 else "draft" if demo_seen <= 11 else "assigned"
        else:
            roll = rng.random()
            card["status"] = "submitted" if roll < 0.62 else "draft" if roll < 0.72 else "assigned"
    others = [c for c in scorecards if c["juror"] != JUROR_EMAIL and c["status"] == "assigned"]
    abstained, recused = rng.sample(others, 2)
    abstained["status"], recused["status"] = "abstained", "recused"
    abstained["abstain_reason"] = "Hors de mon domaine d’expertise."
    recused["abstain_reason"] = "Je viens d’apprendre que je connais l’équipe fondatrice."
    if complete:
        for card in scorecards:
            if card["status"] in ("assigned", "draft"):
                card["status"] = "submitted"


def _card_scores(
    rng: random.Random, prize: dict[str, Any], status: str, quality: float, leniency: float
) -> dict[str, int]:
    """A submitted card scores every criterion (an optional one left out one time in five); a draft,
    the first few."""
    low, high = prize["scale"]
    criteria = prize["criteria"]
    if status == "draft":
        criteria = criteria[: rng.randint(1, len(criteria) - 1)]
    scores = {}
    for criterion_code, _weight, required, _name, _guidance in criteria:
        if status == "submitted" and not required and rng.random() < 0.2:
            continue  # an optional criterion left unanswered
        scores[criterion_code] = score(rng, low, high, quality, leniency)
    return scores


# Loading ---------------------------------------------------------------------------------------------


def find_demo(db: Session) -> Edition | None:
    return db.scalar(select(Edition).where(Edition.code == EDITION_CODE))


def load_demo(db: Session, *, replace: bool = False, seed: int = 2023, at: str | None = None) -> Edition:
    """Import the demo edition (unless it is there already) and make the three demo logins usable.

    ``at`` (one of ``SEASON``) loads the edition afresh as it stands at that point of the season
    (see :func:`advance_demo`); None keeps an existing demo and loads a new one at ``open``.
    Flushes, never commits. The logins get ``DEMO_PASSWORD`` only when they have
    no password yet, so a password changed during a demo survives a reload.
    """
    if at is not None and at not in SEASON:
        raise ValueError(f"Unknown point of the season {at!r}; expected one of {', '.join(SEASON)}.")
    edition, fresh = find_demo(db), False
    if edition is None or replace or at is not None:
        document = demo_document(seed, complete=SEASON.index(at or "open") >= SEASON.index("judging"))
        if at not in (None, "open"):
            document["edition"]["applications_close"] = iso(ANCHOR)  # the call closed on the demo's "today"
        edition = import_edition(db, document, replace=edition is not None)
        _dress(db, edition)
        fresh = True
    emails = [email.lower() for email in DEMO_LOGINS.values()]
    method = current_app.config["PASSWORD_HASH_METHOD"]
    for user in db.scalars(select(User).where(func.lower(User.email).in_(emails))):
        if user.password_hash is None:
            user.password_hash = generate_password_hash(DEMO_PASSWORD, method)
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
    db.flush()
    if fresh and at not in (None, "open"):
        if has_request_context():
            advance_demo(db, edition, at)
        else:  # the CLI: the announcement mails are rendered with templates that read the request
            with current_app.test_request_context():
                advance_demo(db, edition, at)
    return edition


#: The demo's brand (primary, accent), so its pages and PDFs show what an edition's brand does.
DEMO_BRAND = ("#1b2a4a", "#b0122f")
#: Minutes each prize takes on stage at the ceremony (presenter, finalists, winner, thanks), so the run
#: of show has a timetable: 18:00, 18:08, 18:15, 18:21, the audience award at 18:27.
CEREMONY_MINUTES = {"innovation": 8, "femmes-en-tech": 7, "litteratie-jeunesse": 6, "decouvrabilite": 6}


def _dress(db: Session, edition: Edition) -> None:
    """What the exchange format does not carry: the edition's brand, the prizes' minutes on stage and
    each contact's form of address. The demo names a woman as the contact of a project led by a woman
    and a man otherwise (:meth:`Names.person`), so its certificates read « Lauréate » or « Lauréat »;
    a contact whose project did not answer keeps the inclusive « Lauréat·e »."""
    set_brand(db, edition, actor=None, primary=DEMO_BRAND[0], accent=DEMO_BRAND[1])
    for code, minutes in CEREMONY_MINUTES.items():
        on_stage = update(Prize).where(Prize.edition_id == edition.id, Prize.code == code)
        db.execute(on_stage.values(ceremony_minutes=minutes))
    for answer, address in (("yes", "feminine"), ("no", "masculine")):
        db.execute(
            update(Application)
            .where(Application.edition_id == edition.id, Application.led_by_woman_answer == answer)
            .values(form_of_address=address)
        )


# The season ------------------------------------------------------------------------------------------

#: The points of the season ``judging demo --at`` can load, in order.
SEASON = ("open", "screening", "judging", "finalists", "final", "ceremony")
#: The finals are pitched on the demo's "today" + 10 days, one every 20 minutes from 9:00.
PITCH_DAY = datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)
PITCH_GAP = timedelta(minutes=20)


def advance_demo(db: Session, edition: Edition, at: str) -> None:
    """Bring the freshly imported demo to ``at`` through the organizers' own operations.

    ``open`` and ``screening`` change no round (the document already closes the call for
    ``screening``); ``judging`` closes the preselections (every scorecard is in); ``finalists``
    selects and announces three finalists per prize (snapshots, mails, audit as the real flow
    makes them), publishes the finalists and opens the finals with their pitch order;
    ``final`` scores the finals and records each winner; ``ceremony`` freezes the finals and
    reveals the winners at the ceremony, after which the finals are marked announced.
    """
    organizer = db.scalar(select(User).where(func.lower(User.email) == ORGANIZER_EMAIL))
    prizes = list(db.scalars(select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position)))
    reached = SEASON.index(at)
    steps = {
        "judging": _close_judging,
        "finalists": _announce_finalists,
        "final": _judge_final,
        "ceremony": _freeze_finals,
    }
    for point, step in steps.items():
        if reached >= SEASON.index(point):
            for prize in prizes:
                step(db, prize, organizer)
    if reached >= SEASON.index("final"):
        _audience_vote(db, edition, organizer)
    if reached >= SEASON.index("finalists"):
        ceremony_plan.set_public_times(
            db, edition, finalists_public_at=ANCHOR, winners_public_at=None, actor=organizer
        )
    if reached >= SEASON.index("ceremony"):
        ceremony_plan.reveal_winners(db, edition, actor=organizer)
        for prize in prizes:
            _after_ceremony(db, prize, organizer)
    db.flush()


def _round(prize: Any, code: str) -> Any:
    return next(r for r in prize.rounds if r.code == code)


def _close_judging(db: Session, prize: Any, organizer: User) -> None:
    phases.transition(db, _round(prize, "preselection"), "deliberation", actor=organizer)


def _announce_finalists(db: Session, prize: Any, organizer: User) -> None:
    """The proposal at the cut, a tie across it settled by taking the first tied, then announced."""
    rnd = _round(prize, "preselection")
    comp = computation.round_computation(db, rnd)
    cut = computation.cut_size(rnd, prize, list(prize.rounds))
    applications = decisions.candidates_of_round(db, rnd, comp)
    proposal = decisions.propose(comp.result, cut, [a.ref for a in applications])
    chosen = list(proposal.sure_in)
    tie_reason = None
    if proposal.tie is not None:
        chosen += list(proposal.tie.applications)[: proposal.tie.places]
        tie_reason = "Départagé par le jury en délibération (démo)."
    ids = {a.ref: a.id for a in applications}
    decisions.select_finalists(
        db, rnd, actor=organizer, chosen=[ids[ref] for ref in chosen], tie_reason=tie_reason
    )
    decisions.announce_finalists(db, rnd, actor=organizer)
    final = _round(prize, "final")
    phases.transition(db, final, "judging", actor=organizer)
    finalists = decisions.pitch_candidates(db, final)
    order = [(app.id, PITCH_DAY + PITCH_GAP * i) for i, app in enumerate(finalists)]
    decisions.set_pitch_order(db, final, actor=organizer, entries=order)
    _assign_final(db, final, organizer)


def _assign_final(db: Session, final: Any, organizer: User) -> None:
    """Every juror of the final's jury on every finalist (but a conflict), as the organizer would."""
    members = db.scalars(select(JuryMembership).where(JuryMembership.round_id == final.id)).all()
    for member in members:
        for application in decisions.pitch_candidates(db, final):
            if not jury_operations.is_in_conflict(db, member.user_id, application.id):
                jury_operations.add_assignment(
                    db, final, juror_id=member.user_id, application_id=application.id, actor=organizer
                )


def _judge_final(db: Session, prize: Any, organizer: User) -> None:
    """Each juror scores the finalists in pitch order, highest first (no tie: the first pitch wins),
    then judging closes and the winner is recorded with its citation."""
    final = _round(prize, "final")
    finalists = decisions.pitch_candidates(db, final)
    place = {application.id: index for index, application in enumerate(finalists)}
    criteria = db.scalars(select(Criterion).where(Criterion.round_id == final.id)).all()
    cards = db.scalars(select(Assignment).where(Assignment.round_id == final.id).order_by(Assignment.id))
    for card in cards:
        lower = 2 * place[card.application_id] + card.juror_id % 2
        scores = {c.code: str(max(int(c.min_value), int(c.max_value) - 1 - lower)) for c in criteria}
        scoring.save(db, card, actor=db.get(User, card.juror_id), scores=scores, submit=True)
    phases.transition(db, final, "deliberation", actor=organizer)
    decisions.record_winner(
        db,
        final,
        actor=organizer,
        application=finalists[0],
        citation_fr="Pour un projet qui a convaincu le jury à l’unanimité.",
        citation_en="For a project that won the jury over unanimously.",
    )


def _audience_vote(db: Session, edition: Edition, organizer: User) -> None:
    """The audience award of the pitch night: every finalist in it, the room's votes (the first finalist
    the clear favourite), the vote closed; the ceremony's reveal makes it public."""
    award = audience.award_for(db, edition, actor=organizer)
    finalists = audience_queries.eligible_finalists(db, edition.id)
    audience.set_finalists(db, award, [a.id for a in finalists], actor=organizer)
    now = utcnow()
    audience.open_vote(db, award, closes_at=None, actor=organizer, at=now)
    voter = 0
    for place, finalist in enumerate(finalists):
        for _ in range(30 if place == 0 else max(2, 20 - 2 * place)):
            voter += 1
            person = AudienceVoter(award_id=award.id, email=f"public{voter}@demo.example", source="attendee")
            db.add(person)
            db.flush()
            audience.cast_vote(db, award, person, finalist.id, network="192.0.2.0/24", at=now)
    audience.close_vote(db, award, actor=organizer, at=now)


def _freeze_finals(db: Session, prize: Any, organizer: User) -> None:
    decisions.freeze_final(db, _round(prize, "final"), actor=organizer)


def _after_ceremony(db: Session, prize: Any, organizer: User) -> None:
    decisions.announce_final(db, _round(prize, "final"), actor=organizer)
