"""Fictional residents' names and testimony text for demo and benchmark data: the one home of
sample sentences (campaign/pdf/sample.py draws its testimony from here)."""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_NAMES = (
    "María",
    "José",
    "Ana",
    "Luis",
    "Carmen",
    "Juan",
    "Rosa",
    "Carlos",
    "Lucía",
    "Miguel",
    "Guadalupe",
    "Francisco",
    "Sofía",
    "Jorge",
    "Valentina",
    "Pedro",
    "Isabel",
    "Diego",
    "Fatima",
    "Ahmed",
    "Amina",
    "Yusuf",
    "Nguyen",
    "Linh",
    "Wei",
    "Mei",
    "Olena",
    "Andriy",
    "Grace",
    "James",
    "Aisha",
    "Kwame",
    "Emily",
    "Michael",
    "Sarah",
    "David",
    "Priya",
    "Ravi",
    "Marisol",
    "Esperanza",
    "Joaquín",
    "Beatriz",
    "Tomás",
    "Noemí",
    "Héctor",
    "Yesenia",
    "Samuel",
    "Hannah",
    "Ibrahim",
    "Mariam",
    "Thanh",
    "Hyun-woo",
    "Ji-yeon",
    "Oksana",
)
LAST_NAMES = (
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Reyes",
    "Gutiérrez",
    "Ortiz",
    "Chávez",
    "Nguyen",
    "Tran",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Li",
    "Okafor",
    "Mensah",
    "Abdi",
    "Hassan",
    "Kowalenko",
    "Shevchenko",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Thomas",
    "Patel",
    "Shah",
    "O'Brien",
    "Castillo-Villanueva",
    "de la Fuente",
    "Santos",
    "Mejía",
)

# Sentences for synthetic testimony (benchmarks, the sample packet, `flask demo --bulk`), by
# the position they argue, so that a testimony filed under "support" never asks the council to
# let the contract expire. The demo's own testimonies are written out in full below.
SENTENCES_EN = {
    "oppose": (
        "I have lived in Riverton for {years} years and raised my children here.",
        "When police data flows to immigration agents, families stop calling for help.",
        "My neighbor did not report a break-in because she was afraid of being deported.",
        "Trust between residents and the city is built slowly and lost quickly.",
        "The contract gives a federal agency real-time access to arrest records.",
        "Nothing in the contract limits how long the data is kept or who it is shared with.",
        "Other cities ended agreements like this one and crime did not rise.",
        "I ask the council to let the contract expire on August 31.",
        "Public safety means everyone can call 911 without fear.",
        "Our congregation has seen families separated after routine traffic stops.",
        "Please put the safety of every resident ahead of this data-sharing arrangement.",
        "I work as a nurse and I see what fear does to people's health.",
    ),
    "support": (
        "I have run a business in Riverton for {years} years.",
        "Detectives need to see records from the next county without waiting for days.",
        "Sharing records helps connect break-ins that cross city lines.",
        "I ask the council to renew the agreement with clear rules on its use.",
        "Victims deserve investigations that are not slowed down by paperwork.",
        "The agreement has been in place for years and our officers rely on it.",
        "Renewing it keeps Riverton in step with the rest of the region.",
        "I do not want anyone to be afraid to call for help, and rules can prevent that.",
    ),
    "neutral": (
        "I have followed this agreement for {years} years without taking a side.",
        "The agreement says nothing about how long shared records are kept.",
        "Nobody can say how many searches the agencies ran last year.",
        "Whatever the council decides, it should publish a report every six months.",
        "Dismissed and sealed cases should never leave the county.",
        "An independent audit would answer most of the questions raised tonight.",
        "I ask the council to set conditions before it votes either way.",
    ),
}
SENTENCES_ES = {
    "oppose": (
        "He vivido en Riverton durante {years} años y aquí crié a mis hijos.",
        "Cuando los datos de la policía llegan a los agentes de inmigración, las familias "
        "dejan de pedir ayuda.",
        "Mi vecina no denunció un robo porque tenía miedo de ser deportada.",
        "La confianza entre los residentes y la ciudad se construye despacio y se pierde rápido.",
        "El contrato da a una agencia federal acceso en tiempo real a los registros de arrestos.",
        "Pido al concejo que deje vencer el contrato el 31 de agosto.",
        "La seguridad pública significa que todos puedan llamar al 911 sin miedo.",
        "Nuestra iglesia ha visto familias separadas después de paradas de tráfico comunes.",
        "Por favor, pongan la seguridad de cada residente por encima de este acuerdo.",
    ),
    "support": (
        "Tengo un negocio en Riverton desde hace {years} años.",
        "Los detectives necesitan ver los registros del condado vecino sin esperar días.",
        "Pido al concejo que renueve el acuerdo con reglas claras sobre su uso.",
        "Las víctimas merecen investigaciones rápidas.",
        "Renovarlo mantiene a Riverton al paso del resto de la región.",
        "No quiero que nadie tenga miedo de pedir ayuda, y las reglas pueden evitarlo.",
    ),
    "neutral": (
        "Sigo este acuerdo desde hace {years} años sin tomar partido.",
        "El acuerdo no dice cuánto tiempo se guardan los registros compartidos.",
        "Decida lo que decida, el concejo debería publicar un informe cada seis meses.",
        "Los casos archivados o sellados nunca deberían salir del condado.",
        "Pido al concejo que ponga condiciones antes de votar en cualquier sentido.",
    ),
}


def person_name(rng: random.Random) -> str:
    """A plausible resident's name."""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    if rng.random() < 0.15:
        name += f" {rng.choice(LAST_NAMES)}"
    return name


def testimony_text(rng: random.Random, language: str, words: int, position: str = "oppose") -> str:
    """Paragraphs of synthetic testimony arguing `position`, of about the given number of
    words (its sentences repeat from one testimony to the next: for volume, not for reading)."""
    source = (SENTENCES_ES if language == "es" else SENTENCES_EN)[str(position)]
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = [
            rng.choice(source).format(years=rng.randint(2, 40)) for _ in range(rng.randint(3, 6))
        ]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(paragraphs)


@dataclass(frozen=True)
class WrittenTestimony:
    """One demo testimony as a resident wrote it: its language, the position it argues (a
    Position value) and its text; the demo adds a name, a district and a status."""

    language: str
    position: str
    body: str
    affiliation: str | None = None


# The open campaign: renewing the arrest-data sharing contract ("oppose" = vote no).
ARREST_DATA_TESTIMONIES = (
    WrittenTestimony(
        "en",
        "oppose",
        (
            "I have worked night shifts in the emergency department at Riverton General for "
            "eleven years. The patients I worry about most are not the ones who come in. They "
            "are the ones who stay home with a broken wrist or a fever that will not break, "
            "because someone told them a hospital visit could lead to a police report, and a "
            "police report could lead to a van outside their door.\n\n"
            "That fear did not come from nowhere. Last spring a man carried his daughter in "
            "after a car crash and refused to give his own name. He had been arrested once "
            "over a broken tail light, and he had heard that arrest records now reach "
            "immigration agents within hours. He was right about that. The agreement in front "
            "of you is the reason.\n\n"
            "I am not asking the council to shield anyone from the consequences of a crime. I "
            "am asking you to stop turning every arrest, including the ones that end with "
            "charges dropped, into a file that follows a family out of the county. Vote no on "
            "the renewal."
        ),
    ),
    WrittenTestimony(
        "es",
        "oppose",
        (
            "Soy voluntaria en la Casa del Pueblo desde hace seis años. Cada martes atendemos "
            "a unas cuarenta familias que vienen por ayuda con la renta, con los papeles de la"
            " escuela o simplemente para hablar con alguien de confianza.\n\n"
            "Desde que se supo de este acuerdo, las preguntas cambiaron. Una madre me preguntó"
            " si debía llamar a la policía cuando su expareja rompió la puerta de su casa. "
            "Otra quería saber si una multa de tránsito podía terminar en una deportación. No "
            "supe contestarles con seguridad, y eso me duele.\n\n"
            "Les pido que voten en contra de renovar el contrato. Nuestras familias necesitan "
            "poder marcar el 911 sin hacer cálculos."
        ),
        affiliation="Casa del Pueblo Riverton",
    ),
    WrittenTestimony(
        "es",
        "oppose",
        (
            "Tengo diecisiete años y nací aquí. Mis padres no. Cada vez que pasa una patrulla "
            "por nuestra calle, mi mamá apaga las luces. Por favor, voten que no."
        ),
    ),
    WrittenTestimony(
        "en",
        "support",
        (
            "I own a hardware store on Mill Street, and it has been broken into three times in"
            " four years. Twice the person responsible had a record in another county that our"
            " officers could not see until days later. Sharing arrest records across the "
            "region helps detectives connect cases quickly.\n\n"
            "I understand my neighbors' fears, and I do not want anyone afraid to call for "
            "help. But I think the answer is strict rules on how the data is used, not ending "
            "the agreement. I urge the council to renew it and to hold the agencies to those "
            "rules."
        ),
    ),
    WrittenTestimony(
        "en",
        "neutral",
        (
            "I write neither for nor against the renewal. I am a software engineer who has "
            "built record-keeping systems for two counties, and I read the whole agreement, "
            "all forty-one pages of it.\n\n"
            "Three things are missing. First, there is no retention limit: a record shared "
            "today can be kept by the receiving agency forever. Second, there is no audit "
            "requirement, so nobody at the city can tell you how many searches were run last "
            "year or why. Third, dismissed and sealed cases are not excluded from the feed.\n\n"
            "Each gap has a simple fix that other regions already use. A retention limit of "
            "ninety days for records that did not lead to a conviction is written into the "
            "agreement between two counties north of us. A searchable log of every query, kept"
            " by the city and not by the agency asking, costs little once the system exists. "
            "And a nightly filter that drops dismissed and sealed cases before anything leaves"
            " the county is a few lines of code; I have written that filter myself.\n\n"
            "None of this takes a side on immigration enforcement. It is ordinary practice for"
            " any system that holds information about people who were never convicted of "
            'anything. The staff report before you says the agreement is "standard", and in '
            "one sense it is: it is standard for agreements written before anyone asked these "
            "questions.\n\n"
            "If the council renews, it should make each of these a condition of renewal and "
            "ask for a public report twice a year. If the agencies will not accept those "
            "conditions, that tells you something too."
        ),
    ),
    WrittenTestimony(
        "en",
        "oppose",
        (
            "Our church on Alder Avenue runs a food pantry every Saturday. Attendance dropped "
            "by a third the month this agreement made the news. People are not afraid of us; "
            "they are afraid of being seen near a patrol car on the way. Please vote no and "
            "give them a reason to come back."
        ),
    ),
    WrittenTestimony(
        "es",
        "oppose",
        (
            "Trabajo en la construcción desde que llegué a Riverton hace catorce años. He "
            "pagado impuestos cada año y mis hijos estudian en la escuela Lincoln.\n\n"
            "El año pasado detuvieron a un compañero de trabajo por manejar con la licencia "
            "vencida. Los cargos se retiraron a la semana, pero para entonces su información "
            "ya estaba en manos de agentes federales. Hoy está en un centro de detención a "
            "tres estados de distancia, y su esposa cuida sola a tres niños.\n\n"
            "Después de eso, varios de la cuadrilla dejaron de manejar. Ahora salimos a las "
            "cinco de la mañana para tomar dos autobuses, y algunos ya no aceptan trabajos "
            "fuera de la ciudad. El patrón perdió contratos porque no llegábamos a tiempo. "
            "Nadie se sintió más seguro por eso; solo más cansado y con más miedo.\n\n"
            "No pido un trato especial. Pido que una detención por algo tan pequeño no le "
            "cueste un padre a una familia. Quiero hablar en la audiencia para contarles su "
            "historia en persona."
        ),
    ),
    WrittenTestimony(
        "en",
        "oppose",
        (
            "I teach fourth grade at Lincoln Elementary. In October a student asked me whether"
            " it was safe for her mother to drive her to school, because the police might stop"
            " them. Nine-year-olds should be worrying about spelling tests. I ask the council "
            "not to renew a contract that puts that question in a child's head."
        ),
    ),
    WrittenTestimony(
        "en",
        "support",
        (
            "Anyone who opposes this is a fool who cares more about criminals than about the "
            "people who pay the bills in this town. Renew it and stop listening to these "
            "clowns."
        ),
    ),
    WrittenTestimony(
        "es",
        "oppose",
        (
            "Envío mi testimonio otra vez porque no me llegó el correo de confirmación. Como "
            "voluntaria de la Casa del Pueblo, les pido que no renueven el acuerdo."
        ),
        affiliation="Casa del Pueblo Riverton",
    ),
    WrittenTestimony(
        "en",
        "oppose",
        (
            "Please vote no on the renewal. My brother quit his night classes because the bus "
            "stop is next to the precinct."
        ),
    ),
)


# The closed campaign: Resolution 118, ending detainer holds ("support" = pass it).
DETAINER_HOLD_TESTIMONIES = (
    WrittenTestimony(
        "en",
        "support",
        (
            "For nine years I was a volunteer chaplain at the Riverton city jail. I sat with "
            "men and women on the night before they expected to go home, and I sat with some "
            "of them on the morning they learned they would not. A detainer hold meant that a "
            "person whose charges had been dismissed, or who had posted bail like anyone else,"
            " stayed in a cell for up to forty-eight more hours so that a federal agency could"
            " decide whether to collect them.\n\n"
            "Those extra hours cost the city money, and they cost families far more. One woman"
            " I counseled missed her son's surgery. Another lost a job she had held for twelve"
            " years.\n\n"
            "Resolution 118 does not release anyone who would otherwise stay. It only says "
            "that our jail releases people on the same terms, wherever they were born. I "
            "support it, and I hope the committee sends it to the full council."
        ),
    ),
    WrittenTestimony(
        "es",
        "support",
        (
            "Apoyo la Resolución 118. Mi tío pasó dos noches más en la cárcel después de que "
            "el juez lo dejó libre, solo porque había una solicitud de retención. Nadie nos "
            "explicó nada. Esperamos afuera con su ropa en una bolsa, sin saber si iba a "
            "salir."
        ),
        affiliation="Casa del Pueblo Riverton",
    ),
    WrittenTestimony(
        "es",
        "support",
        (
            "Como madre y vecina del barrio Oriente, apoyo esta resolución. Las mismas reglas "
            "para todos."
        ),
    ),
    WrittenTestimony(
        "en",
        "oppose",
        (
            "I served twenty-six years as a deputy in this county, and I oppose Resolution "
            "118. Detainer requests are how federal and local agencies coordinate when someone"
            " in custody has a serious record elsewhere. Ending them by resolution removes a "
            "tool that was rarely used but sometimes needed. I would rather the council ask "
            "the jail to report how often holds are used, and for what offenses, before ending"
            " them outright."
        ),
    ),
    WrittenTestimony(
        "en",
        "neutral",
        (
            "I take no position on the policy itself. For the record, the jail's own budget "
            "report lists 212 detainer holds last fiscal year, at an average of 31 extra hours"
            " each. At the county's daily rate, that is roughly $94,000 the city was never "
            "reimbursed for. Whatever the committee decides, that figure belongs in the "
            "discussion."
        ),
    ),
    WrittenTestimony(
        "en",
        "support",
        (
            "I volunteer at the law school's immigration clinic. Courts in several states have"
            " found that keeping someone past their release on a detainer alone amounts to a "
            "new arrest without a warrant. Resolution 118 keeps Riverton clear of that "
            "liability. Please pass it."
        ),
    ),
)
