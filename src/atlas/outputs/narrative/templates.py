"""Sentence templates per language; phrased so no sentence needs a hidden number (no "all but", no "others")."""

from __future__ import annotations

SENTENCES: dict[str, dict[str, str]] = {
    "en": {
        "total": "In {place}, {about}{n} migrants were recorded{period}.",
        "total_hidden": "In {place}, the number of migrants recorded{period} is too small to publish.",
        "women": "Women make up {about}{pct} of them.",
        "children": "Children under 18 make up {about}{pct}.",
        "groups2": "Among the nationalities that can be published, the largest groups come from {a} ({pa}) and {b} ({pb}).",
        "groups1": "Among the nationalities that can be published, the largest group comes from {a} ({pa}).",
        "areas2": "Among the {units} that can be published, the most migrants were recorded in {a} ({na}) and {b} ({nb}).",
        "hidden_one": "{n} {unit} is not shown, to protect small numbers.",
        "hidden_other": "{n} {units} are not shown, to protect small numbers.",
        "hedge": "Figures are approximate: they were perturbed or rounded to protect the people counted.",
        "about": "about ",
        "period": " in {period}",
    },
    "fr": {
        "total": "Pour {place}, {about}{n} migrants ont été enregistrés{period}.",
        "total_hidden": "Pour {place}, le nombre de migrants enregistrés{period} est trop faible pour être publié.",
        "women": "Les femmes en représentent {about}{pct}.",
        "children": "Les enfants de moins de 18 ans en représentent {about}{pct}.",
        "groups2": "Parmi les nationalités publiables, les plus représentées sont : {a} ({pa}) et {b} ({pb}).",
        "groups1": "Parmi les nationalités publiables, la plus représentée est : {a} ({pa}).",
        "areas2": "Les {units} publiables qui comptent le plus de migrants sont : {a} ({na}) et {b} ({nb}).",
        "hidden_one": "{n} {unit} n'est pas affiché{e}, pour protéger de petits effectifs.",
        "hidden_other": "{n} {units} ne sont pas affiché{e}s, pour protéger de petits effectifs.",
        "hedge": "Les chiffres sont approximatifs : ils ont été perturbés ou arrondis pour protéger les personnes recensées.",
        "about": "environ ",
        "period": " en {period}",
    },
    "es": {
        "total": "En {place} se registraron {about}{n} migrantes{period}.",
        "total_hidden": "En {place}, el número de migrantes registrados{period} es demasiado pequeño para publicarse.",
        "women": "Las mujeres representan {about}{pct}.",
        "children": "Los menores de 18 años representan {about}{pct}.",
        "groups2": "Entre las nacionalidades publicables, las más numerosas son {a} ({pa}) y {b} ({pb}).",
        "groups1": "Entre las nacionalidades publicables, la más numerosa es {a} ({pa}).",
        "areas2": "Entre {art_units} publicables, el mayor número de migrantes se registró en {a} ({na}) y {b} ({nb}).",
        "hidden_one": "{n} {unit} no se muestra, para proteger cifras pequeñas.",
        "hidden_other": "{n} {units} no se muestran, para proteger cifras pequeñas.",
        "hedge": "Las cifras son aproximadas: se perturbaron o redondearon para proteger a las personas contadas.",
        "about": "unos ",
        "period": " en {period}",
    },
    "ar": {
        "total": "عدد المهاجرين المسجلين في {place}{period}: {about}{n}.",
        "total_hidden": "عدد المهاجرين المسجلين في {place}{period} أصغر من أن يُنشر.",
        "women": "نسبة النساء بينهم: {about}{pct}.",
        "children": "نسبة الأطفال دون 18 عاماً: {about}{pct}.",
        "groups2": "من بين الجنسيات التي يمكن نشرها، أكبر المجموعات: {a} ({pa}) و{b} ({pb}).",
        "groups1": "من بين الجنسيات التي يمكن نشرها، أكبر مجموعة: {a} ({pa}).",
        "areas2": "من بين {units} التي يمكن نشرها، سُجّل أكبر عدد من المهاجرين في {a} ({na}) و{b} ({nb}).",
        "hidden_one": "عدد {units} غير المعروضة لحماية الأعداد الصغيرة: {n}.",
        "hidden_other": "عدد {units} غير المعروضة لحماية الأعداد الصغيرة: {n}.",
        "hedge": "الأرقام تقريبية: جرى تشويشها أو تقريبها لحماية الأشخاص الذين شملهم العد.",
        "about": "نحو ",
        "period": " في {period}",
    },
}

# Admin units by depth below the total: singular, plural, plural with article, agreement suffix.
UNITS: dict[str, dict[int, dict[str, str]]] = {
    "en": {1: {"unit": "region", "units": "regions", "art_units": "the regions", "e": ""},
           2: {"unit": "district", "units": "districts", "art_units": "the districts", "e": ""}},
    "fr": {1: {"unit": "région", "units": "régions", "art_units": "les régions", "e": "e"},
           2: {"unit": "district", "units": "districts", "art_units": "les districts", "e": ""}},
    "es": {1: {"unit": "región", "units": "regiones", "art_units": "las regiones", "e": ""},
           2: {"unit": "distrito", "units": "distritos", "art_units": "los distritos", "e": ""}},
    "ar": {1: {"unit": "منطقة", "units": "المناطق", "art_units": "المناطق", "e": ""},
           2: {"unit": "مقاطعة", "units": "المقاطعات", "art_units": "المقاطعات", "e": ""}},
}

TEMPLATE_KEYS = ("total", "total_hidden", "women", "children", "groups2", "groups1", "areas2", "hidden_one",
                 "hidden_other", "hedge")
