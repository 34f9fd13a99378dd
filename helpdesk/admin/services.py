"""The admin rules, gathered: one import for views that use several sections."""

from __future__ import annotations

from helpdesk.admin.accounts import ALL_ROLES as ALL_ROLES
from helpdesk.admin.accounts import USERS_PAGE_SIZE as USERS_PAGE_SIZE
from helpdesk.admin.accounts import UserPage as UserPage
from helpdesk.admin.accounts import create_account as create_account
from helpdesk.admin.accounts import list_users as list_users
from helpdesk.admin.accounts import set_training_account as set_training_account
from helpdesk.admin.accounts import update_account as update_account
from helpdesk.admin.categories import category_supervisor_ids as category_supervisor_ids
from helpdesk.admin.categories import create_category as create_category
from helpdesk.admin.categories import list_categories as list_categories
from helpdesk.admin.categories import set_category_supervisors as set_category_supervisors
from helpdesk.admin.categories import supervisor_choices as supervisor_choices
from helpdesk.admin.categories import update_category as update_category
from helpdesk.admin.errors import AdminError as AdminError
from helpdesk.admin.learners import MAX_MIN_DAYS as MAX_MIN_DAYS
from helpdesk.admin.learners import MAX_TICKETS_PER_PC as MAX_TICKETS_PER_PC
from helpdesk.admin.learners import FrameworkRuleView as FrameworkRuleView
from helpdesk.admin.learners import assessor_choices as assessor_choices
from helpdesk.admin.learners import framework_choices as framework_choices
from helpdesk.admin.learners import framework_rules as framework_rules
from helpdesk.admin.learners import profile_of as profile_of
from helpdesk.admin.learners import save_framework_rule as save_framework_rule
from helpdesk.admin.learners import set_learner_profile as set_learner_profile
from helpdesk.admin.routes import RouteFields as RouteFields
from helpdesk.admin.routes import RouteRow as RouteRow
from helpdesk.admin.routes import create_route as create_route
from helpdesk.admin.routes import list_routes as list_routes
from helpdesk.admin.routes import update_route as update_route
