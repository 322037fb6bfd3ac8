from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SubmitField


class BuildForm(FlaskForm):
    hearing = SelectField(_l("Hearing"), coerce=int)
    group_by = RadioField(
        _l("Group testimony"),
        choices=[
            SelectChoice("position", _l("By position")),
            SelectChoice("district", _l("By council district")),
        ],
        default="position",
    )
    decision_maker = SelectField(
        _l("Variant for one decision-maker (their district's residents first)"), coerce=int
    )
    submit = SubmitField(_l("Build packet"))
