"""Acquisition's settings: ACQUISITION_* variables, plus the shared ones."""

from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from acquisition.domain.assignment import AssignmentRules
from acquisition.domain.opportunity import Pipeline, Pipelines
from acquisition.domain.scoring import ScoringRules
from servicekit.settings import Port, ServiceSettings

#: points a scoring rule gives or takes; a lead's score is their sum
Points = Annotated[int, Field(ge=-1000, le=1000)]
Percent = Annotated[int, Field(ge=0, le=100)]


class AcquisitionSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ACQUISITION_", extra="ignore", populate_by_name=True
    )

    service_name: str = "acquisition"
    port: Port = 8001
    default_phone_region: str = Field(
        default="US", description="ISO country a phone number without +prefix is read in"
    )
    teams: dict[str, list[str]] = Field(
        default_factory=dict, description='JSON: {"inside-sales": ["al", "bo"]}'
    )
    assign_by_territory: dict[str, str] = Field(
        default_factory=dict, description='JSON: ISO country to team, {"DE": "dach"}'
    )
    assign_by_source: dict[str, str] = Field(
        default_factory=dict, description='JSON: lead source to team, {"partner": "channel"}'
    )
    default_team: str | None = None
    score_by_source: dict[str, Points] | None = None
    score_per_field: dict[str, Points] | None = None
    score_per_engagement: dict[str, Points] | None = None
    pipelines: dict[str, dict[str, Percent]] | None = Field(
        default=None,
        description="JSON: stages in order with their win probability (percent), "
        '{"sales": {"qualification": 10, "proposal": 50, "negotiation": 75}}',
    )
    default_pipeline: str | None = None

    def pipeline_rules(self) -> Pipelines:
        if not self.pipelines:
            return Pipelines()
        by_name = {name: Pipeline(name, stages) for name, stages in self.pipelines.items()}
        return Pipelines(by_name, self.default_pipeline or next(iter(by_name)))

    def assignment_rules(self) -> AssignmentRules:
        return AssignmentRules(
            teams=self.teams,
            by_territory=self.assign_by_territory,
            by_source=self.assign_by_source,
            default_team=self.default_team,
        )

    def scoring_rules(self) -> ScoringRules:
        defaults = ScoringRules()
        return ScoringRules(
            by_source=self.score_by_source or defaults.by_source,
            per_field=self.score_per_field or defaults.per_field,
            per_engagement=self.score_per_engagement or defaults.per_engagement,
        )
