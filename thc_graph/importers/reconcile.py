"""Reconciling names from other sources with what the store already holds: territories (by INSEE code, from
the territories graph) and actors (by label or acronym, from every graph). Each answer says which rule matched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import IGEO, PREFIXES, RDFS, THC
from ..store import Store
from .report import iri, normalise

HEAD = "".join(f"PREFIX {p}: <{n}>\n" for p, n in PREFIXES.items())
ARTICLE = re.compile(r"^(le|la|les|l|the)\s+")


def bare(name: str) -> str:
    """A normalised name without its leading article: "L'atelier citoyen" -> "atelier citoyen"."""
    return ARTICLE.sub("", normalise(name))


@dataclass
class Found:
    node: ox.NamedNode
    rule: str
    territory: ox.NamedNode | None = None


@dataclass
class Gazetteer:
    """Names of territories and actors already in the store, normalised for comparison."""

    communes: dict[str, list[str]] = field(default_factory=dict)  # name -> INSEE codes
    departements: dict[str, str] = field(default_factory=dict)  # name -> code
    regions: dict[str, str] = field(default_factory=dict)
    epci: dict[str, str] = field(default_factory=dict)  # name -> SIREN
    actors: dict[str, ox.NamedNode] = field(default_factory=dict)  # label or acronym -> actor
    methods: dict[str, ox.NamedNode] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: Store, exclude: ox.NamedNode | None = None) -> Gazetteer:
        """Read the names from every graph of the store but `exclude` (the importer's own graph, so that a
        re-import reconciles exactly as the first one did)."""
        gaz = cls()
        graphs = [g for g in store.named_graphs() if g != exclude]
        if not graphs:
            return gaz
        rows = store.select(HEAD +
            "SELECT ?class ?label ?code WHERE { ?t a ?class ; rdfs:label ?label ; igeo:codeINSEE ?code "
            "VALUES ?class { igeo:Commune igeo:Departement igeo:Region igeo:Intercommunalite } "
            "FILTER(LANG(?label) = 'fr') }", default_graph=graphs)
        for row in rows:
            name, code, kind = normalise(row["label"].value), row["code"].value, row["class"]
            if kind == IGEO.Commune:
                codes = gaz.communes.setdefault(name, [])
                if code not in codes:
                    codes.append(code)
            elif kind == IGEO.Departement:
                gaz.departements[name] = code
            elif kind == IGEO.Region:
                gaz.regions[name] = code
            else:
                gaz.epci[name] = code
        for row in store.select(HEAD +
                "SELECT ?a ?name WHERE { ?a a ?class . { ?a rdfs:label ?name } UNION { ?a thc:acronym ?name } "
                "VALUES ?class { thc:Organization thc:CivilSocietyOrganization thc:Company thc:Network "
                "thc:InformalGroup } }", default_graph=graphs):
            # ?a is a subject (not a literal), and the data names its actors with IRIs
            gaz.actors.setdefault(bare(row["name"].value), row["a"])  # type: ignore[arg-type]
        methods = HEAD + "SELECT ?m ?name WHERE { ?m a thc:Method ; rdfs:label ?name }"
        for row in store.select(methods, default_graph=graphs):
            # ?m is a subject (not a literal), and the data names its methods with IRIs
            gaz.methods.setdefault(bare(row["name"].value), row["m"])  # type: ignore[arg-type]
        return gaz

    @property
    def has_territories(self) -> bool:
        return bool(self.communes)

    def commune(self, name: str) -> str | None:
        codes = self.communes.get(normalise(name), [])
        return codes[0] if len(codes) == 1 else None

    def organiser(self, name: str) -> Found | None:
        """A local government (by its territory's INSEE code or SIREN), a prefecture, or a known actor."""
        text = name.strip()
        match = re.match(r"^(?:Ville|Commune|Mairie)\s+(?:de\s+la\s+|de\s+l'|de\s+|d'|d’|du\s+|des\s+)(.+)$",
                         text, re.I)
        if match:
            code = self.commune(match.group(1))
            if code:
                return Found(iri("actor", f"commune-{code.lower()}"), "« Ville de X » = the commune named X "
                             "(unique name in the INSEE list), by its INSEE code",
                             iri("territory", f"commune-{code.lower()}"))
            return None
        match = re.match(r"^R[ée]gion\s+(.+)$", text, re.I)
        if match and normalise(match.group(1)) in self.regions:
            code = self.regions[normalise(match.group(1))]
            return Found(iri("actor", f"region-{code}"), "« Région X » = the région named X, by its INSEE code",
                         iri("territory", f"region-{code}"))
        match = re.match(r"^Pr[ée]fecture\s+(?:de\s+la\s+|de\s+l'|de\s+|du\s+|des\s+)?(.+?)(?:\s*\((\w{2,3})\))?$",
                         text, re.I)
        if match:
            code = match.group(2) or self.departements.get(normalise(match.group(1)))
            if code and code in self.departements.values():
                return Found(iri("actor", f"prefecture-{code.lower()}"), "« Préfecture de X » = the State's "
                             "prefecture of the département named X (or coded in brackets)",
                             iri("territory", f"departement-{code.lower()}"))
        siren = self.epci.get(normalise(text))
        if siren:
            return Found(iri("actor", f"epci-{siren}"), "same name as an EPCI of the INSEE/DGCL list, by its SIREN",
                         iri("territory", f"epci-{siren}"))
        actor = self.actors.get(bare(text))
        if actor is not None:
            return Found(actor, "same label or acronym as an actor already in the store")
        return None


def label_of(store: Store, node: ox.NamedNode) -> str | None:
    for quad in store.quads(node, RDFS.label, None, None):
        if isinstance(quad.object, ox.Literal) and quad.object.language == "fr":
            return str(quad.object.value)
    return None


__all__ = ["THC", "Found", "Gazetteer", "bare", "label_of"]
