"""Ops console: the agent change page gains its experiment (results per variant) and the flows ending it.

Registered here, not in agents/admin.py, because the results read calls (analytics sits above
agents). The Agent admin is the agents app's class with this panel and two flows added:
"Stop the experiment" and "Promote a variant" (agents/experiments.py, permission
agents.publish_agentversion; promote publishes through agent_version_publish).
"""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from agents.admin import PUBLISH_PERMISSION, AgentAdmin
from agents.experiments import experiment_carrier, experiment_promote, experiment_stop
from agents.models import Agent
from aybiza.admin.flows import Flow, FlowAdminMixin, FlowForm, ReasonForm

from .services.experiment_results import experiment_results


def running_experiment(agent) -> dict:
    version = experiment_carrier(agent)
    config = (version.a_b_test_config if version is not None else None) or {}
    return config if config.get("status", "running") == "running" and config.get("experiment_id") else {}


class PromoteForm(FlowForm):
    version_id = forms.ChoiceField(label="Winning variant", help_text="Becomes the published version.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        variants = running_experiment(obj).get("variants", []) if obj is not None else []
        self.fields["version_id"].choices = [(v["version_id"], f"{v['version_id']} ({v['weight']}%)") for v in variants]


def _pct(value):
    return "–" if value is None else f"{value:.1%}"


def _num(stat, digits=2):
    return "–" if not stat or stat.get("mean") is None else f"{stat['mean']:.{digits}f} (n={stat['n']})"


def _p(test):
    return "–" if not test else f"p={test['p_value']:.4f}"


class AgentExperimentAdmin(FlowAdminMixin, AgentAdmin):
    readonly_fields = (*AgentAdmin.readonly_fields, "experiment")
    fieldsets = (*AgentAdmin.fieldsets, ("Experiment", {"fields": ("experiment",)}))
    flows = (
        Flow("experiment_stop", "Stop the experiment", experiment_stop, "agent",
             PUBLISH_PERMISSION, form=ReasonForm, available=running_experiment, bulk=False,
             help="Every call goes to the published version again; the results stay."),
        Flow("experiment_promote", "Promote a variant", experiment_promote, "agent",
             PUBLISH_PERMISSION, form=PromoteForm, available=running_experiment, bulk=False,
             help="Publishes the chosen variant (archiving the current one) and closes the experiment."),
    )

    @admin.display(description="Experiment results")
    def experiment(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        data = experiment_results(agent=obj)
        config = data["experiment"]
        if config is None:
            return "No experiment. Set a_b_test_config on the published version to start one."
        header = format_html(
            "<p>Experiment <strong>{}</strong>: {} · minimum detectable effect {} · alpha {} · power {}</p>",
            config["experiment_id"], config.get("status", "running"), config["minimum_detectable_effect"],
            config["alpha"], config["power"])
        rows = format_html_join("", (
            "<tr><td>{}{}</td><td>{}%</td><td>{}</td><td>{} {}</td><td>{} {}</td><td>{} {}</td><td>{} {}</td>"
            "<td>{} {}</td><td>{}</td></tr>"), (
            (v["version_id"], " (control)" if v["is_control"] else "", v["weight"], v["calls"],
             _pct(v["completion_rate"]), _p(v.get("versus_control", {}).get("completion_rate")),
             _num(v["average_duration_seconds"], 1), _p(v.get("versus_control", {}).get("average_duration_seconds")),
             _num(v["quality_score"]), _p(v.get("versus_control", {}).get("quality_score")),
             _num(v["latency_ms_per_call"], 0), _p(v.get("versus_control", {}).get("latency_ms_per_call")),
             _num(v["cost_usd_per_call"], 4), _p(v.get("versus_control", {}).get("cost_usd_per_call")),
             v["still_needed"])
            for v in data["variants"]))
        return format_html(
            '{}<table><thead><tr><th>Version</th><th>Weight</th><th>Calls</th><th>Completion</th>'
            '<th>Avg duration (s)</th><th>Quality</th><th>Latency (ms)</th><th>Cost per call</th>'
            '<th>Finished calls still needed</th></tr></thead><tbody>{}</tbody></table>'
            '<p>p: two-proportion z test (completion), Welch\'s t (means), each against the control.</p>',
            header, rows)


admin.site.unregister(Agent)
admin.site.register(Agent, AgentExperimentAdmin)
