"""Rule libraries that say where scanners burn text: deid recipes, CTP pixel scripts and ultrasound regions."""
from .apply import (
           Fired,
           RuleFile,
           RuleRegion,
           RuleSet,
           default_rule_paths,
           fired_rules,
           load_rule_file,
           load_rules,
           rule_regions,
           ultrasound_recipe,
)
from .ctp_script import Script, parse_script
from .deid_recipe import Recipe, RecipeError, parse_recipe
from .ultrasound import clinical_areas, outside_clinical_area

__all__ = ["Fired", "Recipe", "RecipeError", "RuleFile", "RuleRegion", "RuleSet", "Script", "clinical_areas",
           "default_rule_paths", "fired_rules", "load_rule_file", "load_rules", "outside_clinical_area",
           "parse_recipe", "parse_script", "rule_regions", "ultrasound_recipe"]
