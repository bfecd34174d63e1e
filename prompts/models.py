from django.db import models


class Layer(models.TextChoices):
    """The four layers of intimacy that prompts and weekly ratings use."""

    EMOTIONAL = "emotional", "Emotional"
    PHYSICAL = "physical", "Physical"
    INTELLECTUAL = "intellectual", "Intellectual"
    DIGITAL = "digital", "Digital"


LAYER_HINTS = {
    Layer.EMOTIONAL: "feeling heard, understood and cared for",
    Layer.PHYSICAL: "touch, affection, closeness of bodies",
    Layer.INTELLECTUAL: "ideas, curiosity, talking things through",
    Layer.DIGITAL: "how you share devices, screens and time online",
}
