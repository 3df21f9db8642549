from __future__ import annotations

from django.contrib import admin

from revmentor.schemes.models import Organisation, OrganisationMember, Scheme, SchemeMembership


class OrganisationMemberInline(admin.TabularInline[OrganisationMember, Organisation]):
    model = OrganisationMember
    autocomplete_fields = ("user",)
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "ods_code")
    search_fields = ("name", "ods_code")
    inlines = (OrganisationMemberInline,)


class SchemeMembershipInline(admin.TabularInline[SchemeMembership, Scheme]):
    model = SchemeMembership
    autocomplete_fields = ("user",)
    extra = 1


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin[Scheme]):
    list_display = ("name", "organisation", "specialty", "phase")
    list_filter = ("phase",)
    readonly_fields = ("phase",)
    inlines = (SchemeMembershipInline,)
