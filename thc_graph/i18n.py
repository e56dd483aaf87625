"""The two languages of the pages (French first, English second): choosing one, and the interface's words."""

from __future__ import annotations

LANGS = ("fr", "en")


def other(lang: str) -> str:
    return "en" if lang == "fr" else "fr"


def choose(explicit: str | None, cookie: str | None, accept_language: list[tuple[str, float]], default: str) -> str:
    """The page language: ?lang= first, then the remembered cookie, then Accept-Language, then the default.

    `accept_language` is a list of (tag, q) pairs as the client sent them; 'en-GB' counts as 'en'.
    """
    for value in (explicit, cookie):
        if value in LANGS:
            return value
    ranked = sorted(accept_language, key=lambda pair: -pair[1])
    for tag, quality in ranked:
        primary = tag.split("-")[0].lower()
        if quality > 0 and primary in LANGS:
            return primary
    return default if default in LANGS else "fr"


# The interface's words; a key missing in one language falls back to the other, then to the key itself.
UI: dict[str, dict[str, str]] = {
    "fr": {
        # the contribution form (/contribute)
        "contribute_title": "Publier un rapport d'avancement",
        "contribute_token": "Jeton de contribution",
        "contribute_continue": "Continuer",
        "contribute_token_help": "Le jeton que l'administrateur vous a remis (thc token create).",
        "contribute_commitment": "Engagement",
        "contribute_date": "Date du rapport",
        "contribute_completion": "Degré de réalisation",
        "contribute_evidence": "Preuves (adresses web, séparées par |)",
        "contribute_description_fr": "Ce qui a été fait (français)",
        "contribute_description_en": "Ce qui a été fait (anglais, facultatif)",
        "contribute_submit": "Publier le rapport",
        "contribute_published": "Rapport publié dans le graphe",
        "contribute_history": "Voir l'historique de l'engagement",
        "contribute_as": "Vous publiez au nom de",
        "contribute_choose": "Choisissez un engagement",
        "contribute_other_ways": "Autres formats : Turtle, JSON-LD, CSV",
        "contribute_templates": "modèles CSV",
        "site": "Graphe de la transition démocratique",
        "home": "Accueil", "search": "Rechercher", "browse": "Parcourir", "dashboard": "Engagements",
        "map": "Carte", "network": "Réseau d'acteurs", "sparql": "Requêtes SPARQL", "queries": "Requêtes nommées",
        "ontology": "Ontologie", "data": "Données", "contribute": "Contribuer",
        "language": "Langue", "switch_to": "English", "search_placeholder": "Mulhouse, budget participatif…",
        "results": "résultats", "no_results": "Aucun résultat.", "not_found": "Introuvable",
        "not_found_text": "Cette adresse ne désigne rien dans le graphe. Cherchez plutôt :",
        "gone": "Retiré",
        "gone_text": "Tout ce que le graphe disait de cette ressource venait de contributions que leurs auteurs ont "
                     "retirées. Elles restent consultables sous leur nom :",
        "properties": "Propriétés", "inbound": "Liens entrants", "sources": "D'où viennent ces données",
        "graph": "Graphe", "licence": "Licence", "source": "Source", "type": "Type", "description": "Description",
        "formats": "Autres formats", "place": "Lieu", "ego_network": "Réseau de l'acteur",
        "measures": "Mesures de réseau", "community": "Communauté", "history": "Historique",
        "reports": "Rapports d'avancement", "evaluations": "Évaluations", "date": "Date", "status": "Statut",
        "completion": "Avancement", "commitments": "Engagements", "plan": "Plan d'action", "territory": "Territoire",
        "territories": "Territoires", "progress": "Avancement global", "latest_status": "Dernier statut",
        "none_yet": "Rien pour l'instant.", "count": "Nombre", "classes": "Classes", "kind": "Sorte",
        "theme": "Thème", "year": "Année", "sort": "Trier", "sort_label": "par nom", "sort_date": "par date",
        "filter": "Filtrer", "all": "Tous", "previous": "Précédent", "next": "Suivant", "page": "page",
        "of": "sur", "latest_contributions": "Dernières contributions", "entry_points": "Par où commencer",
        "for_citizens": "Citoyens et journalistes : cherchez un territoire, un acteur, une méthode.",
        "for_territories": "Territoires et associations : suivez vos engagements et publiez vos rapports.",
        "for_researchers": "Chercheurs : explorez le réseau d'acteurs et ses mesures.",
        "for_reusers": "Réutilisateurs : SPARQL, vidages, VoID et DCAT.",
        "parameters": "Paramètres", "run": "Exécuter", "download": "Télécharger", "dumps": "Vidages",
        "used_by": "Ressources qui l'emploient", "definition": "Définition", "alignments": "Alignements",
        "shapes": "Formes SHACL qui s'appliquent", "class": "Classe", "property": "Propriété",
        "js_off": "Cette vue interactive demande JavaScript ; les mêmes données sont listées ci-dessous.",
        "more": "et {n} de plus", "items": "éléments", "yasgui_help": "Chaque requête nommée est un onglet ; "
        "le lien de partage garde la requête dans l'adresse.",
        "map_note": "Fond de carte Natural Earth (domaine public), sans serveur de tuiles : les territoires sont "
                    "placés par leurs coordonnées.",
        "period": "Ou pendant une période", "period_from": "du", "period_to": "au",
        "members": "membres", "nodes": "nœuds", "edges": "liens", "label": "Nom", "value": "Valeur",
        "catalogue": "Catalogue des jeux de données",
        "js_off_network": "Le réseau interactif demande JavaScript ; ses données se téléchargent ci-dessus (JSON, "
        "mesures en JSON ou CSV, GEXF pour Gephi).",
        "colour_by": "Couleur selon", "actor_type": "Type d'acteur", "size_by": "Taille selon",
        "same_size": "(taille unique)", "as_of": "Liens en vigueur le", "find_actor": "Trouver un acteur",
        "find_actor_placeholder": "Mulhouse, Rottner…", "tie_types": "Types de liens", "legend": "Légende",
        "sort_help": "cliquez un en-tête pour trier", "found": "trouvé(s)",
        "tie_membership": "adhésion", "tie_post": "poste", "tie_partner": "partenaire de", "tie_funds": "finance",
        "tie_advises": "conseille", "tie_trains": "forme", "tie_co-organises": "coorganise avec",
        "tie_inspired-by": "s'inspire de", "tie_accompanies": "accompagne", "tie_represents": "représente",
        "tie_co-participation-event": "même événement", "tie_co-participation-experience": "même expérience",
        "report": "Rapport d'avancement", "evaluation": "Évaluation", "by": "Par", "evidence": "Preuve",
        "opened_government": "Ouverture de la gouvernance", "independent": "indépendante",
        "not_independent": "non indépendante", "withdrawn": "Retiré", "withdrawn_by": "retiré le {at} par {by}",
        "revision_of": "révise", "contribution": "contribution",
    },
    "en": {
        # the contribution form (/contribute)
        "contribute_title": "Publish a progress report",
        "contribute_token": "Contribution token",
        "contribute_continue": "Continue",
        "contribute_token_help": "The token the administrator gave you (thc token create).",
        "contribute_commitment": "Commitment",
        "contribute_date": "Report date",
        "contribute_completion": "Completion",
        "contribute_evidence": "Evidence (web addresses, separated by |)",
        "contribute_description_fr": "What was done (French)",
        "contribute_description_en": "What was done (English, optional)",
        "contribute_submit": "Publish the report",
        "contribute_published": "Report published in the graph",
        "contribute_history": "See the commitment's history",
        "contribute_as": "You publish on behalf of",
        "contribute_choose": "Choose a commitment",
        "contribute_other_ways": "Other formats: Turtle, JSON-LD, CSV",
        "contribute_templates": "CSV templates",
        "site": "Democratic transition knowledge graph",
        "home": "Home", "search": "Search", "browse": "Browse", "dashboard": "Commitments",
        "map": "Map", "network": "Actor network", "sparql": "SPARQL queries", "queries": "Named queries",
        "ontology": "Ontology", "data": "Data", "contribute": "Contribute",
        "language": "Language", "switch_to": "Français", "search_placeholder": "Mulhouse, participatory budget…",
        "results": "results", "no_results": "No results.", "not_found": "Not found",
        "not_found_text": "This address names nothing in the graph. Try a search instead:",
        "gone": "Withdrawn",
        "gone_text": "Everything the graph said about this resource came from contributions their authors withdrew. "
                     "They stay available by name:",
        "properties": "Properties", "inbound": "Inbound links", "sources": "Where these data come from",
        "graph": "Graph", "licence": "Licence", "source": "Source", "type": "Type", "description": "Description",
        "formats": "Other formats", "place": "Place", "ego_network": "Actor's network",
        "measures": "Network measures", "community": "Community", "history": "History",
        "reports": "Progress reports", "evaluations": "Evaluations", "date": "Date", "status": "Status",
        "completion": "Completion", "commitments": "Commitments", "plan": "Action plan", "territory": "Territory",
        "territories": "Territories", "progress": "Overall progress", "latest_status": "Latest status",
        "none_yet": "Nothing yet.", "count": "Count", "classes": "Classes", "kind": "Kind",
        "theme": "Theme", "year": "Year", "sort": "Sort", "sort_label": "by name", "sort_date": "by date",
        "filter": "Filter", "all": "All", "previous": "Previous", "next": "Next", "page": "page",
        "of": "of", "latest_contributions": "Latest contributions", "entry_points": "Where to start",
        "for_citizens": "Citizens and journalists: search a territory, an actor, a method.",
        "for_territories": "Territories and associations: follow your commitments and publish your reports.",
        "for_researchers": "Researchers: explore the actor network and its measures.",
        "for_reusers": "Reusers: SPARQL, dumps, VoID and DCAT.",
        "parameters": "Parameters", "run": "Run", "download": "Download", "dumps": "Dumps",
        "used_by": "Resources using it", "definition": "Definition", "alignments": "Alignments",
        "shapes": "SHACL shapes that apply", "class": "Class", "property": "Property",
        "js_off": "This interactive view needs JavaScript; the same data are listed below.",
        "more": "and {n} more", "items": "items", "yasgui_help": "Each named query is a tab; the share link "
        "keeps the query in the address.",
        "map_note": "Natural Earth base map (public domain), no tile server: territories are placed by their "
                    "coordinates.",
        "period": "Or during a period", "period_from": "from", "period_to": "to",
        "members": "members", "nodes": "nodes", "edges": "edges", "label": "Name", "value": "Value",
        "catalogue": "Dataset catalogue",
        "js_off_network": "The interactive network needs JavaScript; its data can be downloaded above (JSON, "
        "measures as JSON or CSV, GEXF for Gephi).",
        "colour_by": "Colour by", "actor_type": "Actor type", "size_by": "Size by",
        "same_size": "(same size)", "as_of": "Ties in force on", "find_actor": "Find an actor",
        "find_actor_placeholder": "Mulhouse, Rottner…", "tie_types": "Tie types", "legend": "Legend",
        "sort_help": "click a header to sort", "found": "found",
        "tie_membership": "membership", "tie_post": "post", "tie_partner": "partner of", "tie_funds": "funds",
        "tie_advises": "advises", "tie_trains": "trains", "tie_co-organises": "co-organises with",
        "tie_inspired-by": "inspired by", "tie_accompanies": "accompanies", "tie_represents": "represents",
        "tie_co-participation-event": "same event", "tie_co-participation-experience": "same experience",
        "report": "Progress report", "evaluation": "Evaluation", "by": "By", "evidence": "Evidence",
        "opened_government": "Did it open government", "independent": "independent",
        "not_independent": "not independent", "withdrawn": "Withdrawn", "withdrawn_by": "withdrawn on {at} by {by}",
        "revision_of": "revises", "contribution": "contribution",
    },
}


def text(key: str, lang: str) -> str:
    """The interface's word for `key` in `lang`, else in the other language, else the key."""
    return UI.get(lang, {}).get(key) or UI[other(lang)].get(key) or key
