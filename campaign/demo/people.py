"""Fictional residents' names and testimony text for demo and benchmark data."""

from __future__ import annotations

import random

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

SENTENCES_EN = (
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
)
SENTENCES_ES = (
    "He vivido en Riverton durante {years} años y aquí crié a mis hijos.",
    "Cuando los datos de la policía llegan a los agentes de inmigración, las familias dejan "
    "de pedir ayuda.",
    "Mi vecina no denunció un robo porque tenía miedo de ser deportada.",
    "La confianza entre los residentes y la ciudad se construye despacio y se pierde rápido.",
    "El contrato da a una agencia federal acceso en tiempo real a los registros de arrestos.",
    "Pido al concejo que deje vencer el contrato el 31 de agosto.",
    "La seguridad pública significa que todos puedan llamar al 911 sin miedo.",
    "Nuestra iglesia ha visto familias separadas después de paradas de tráfico comunes.",
    "Por favor, pongan la seguridad de cada residente por encima de este acuerdo.",
)


def person_name(rng: random.Random) -> str:
    """A plausible resident's name."""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    if rng.random() < 0.15:
        name += f" {rng.choice(LAST_NAMES)}"
    return name


def testimony_text(rng: random.Random, language: str, words: int) -> str:
    """Paragraphs of testimony of about the given number of words."""
    source = SENTENCES_ES if language == "es" else SENTENCES_EN
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
