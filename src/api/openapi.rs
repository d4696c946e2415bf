//! The OpenAPI 3.1 description of `/api/v1`, written out by hand so it reads
//! as documentation; a test checks every path in it is served.

use axum::Json;
use serde_json::{Value, json};

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn problem() -> Value {
    json!({ "description": "A problem (RFC 9457); `field` names the failing field", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

fn ok(schema: &str, description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
}

pub fn spec() -> Value {
    let content_security = json!([{ "contentKey": [] }]);
    let admin_security = json!([{ "adminToken": [] }]);
    let errors = json!({ "400": problem(), "401": problem(), "403": problem(), "404": problem(), "409": problem(), "413": problem(), "415": problem(), "422": problem() });
    let with_errors = |mut responses: Value| {
        if let (Some(map), Some(errs)) = (responses.as_object_mut(), errors.as_object()) {
            for (code, body) in errs {
                map.entry(code.clone()).or_insert(body.clone());
            }
        }
        responses
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Broadsheet API",
            "version": "1",
            "description": "Content API: read published articles, sections, tags and authors (key from the newsroom's API keys page). Admin API: write articles and pictures as a staff member (token from My account → API tokens), with that member's role."
        },
        "servers": [{ "url": "/" }],
        "paths": {
            "/api/v1/content/articles": { "get": {
                "summary": "Published articles, newest first",
                "security": content_security,
                "parameters": [
                    { "name": "section", "in": "query", "schema": { "type": "string" }, "description": "section slug" },
                    { "name": "tag", "in": "query", "schema": { "type": "string" }, "description": "tag slug" },
                    { "name": "author", "in": "query", "schema": { "type": "string" }, "description": "author slug" },
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }
                ],
                "responses": with_errors(json!({ "200": ok("ArticleList", "A page of articles") }))
            }},
            "/api/v1/content/articles/{slug}": { "get": {
                "summary": "One published article with its body, pictures, related links and notes",
                "security": content_security,
                "parameters": [{ "name": "slug", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": with_errors(json!({ "200": ok("ArticleDetail", "The article") }))
            }},
            "/api/v1/content/sections": { "get": { "summary": "Sections in navigation order", "security": content_security, "responses": with_errors(json!({ "200": { "description": "Sections" } })) }},
            "/api/v1/content/tags": { "get": { "summary": "Tags", "security": content_security, "responses": with_errors(json!({ "200": { "description": "Tags" } })) }},
            "/api/v1/content/authors": { "get": { "summary": "Authors", "security": content_security, "responses": with_errors(json!({ "200": { "description": "Authors" } })) }},
            "/api/v1/admin/articles": { "post": {
                "summary": "Create a draft",
                "security": admin_security,
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ArticleInput" } } } },
                "responses": with_errors(json!({ "201": ok("AdminArticle", "The new draft") }))
            }},
            "/api/v1/admin/articles/{id}": {
                "get": { "summary": "Any article, whatever its state", "security": admin_security, "parameters": [id_param()], "responses": with_errors(json!({ "200": ok("AdminArticle", "The article") })) },
                "patch": {
                    "summary": "Change the given fields; `version` is required and a stale one gets 409",
                    "security": admin_security,
                    "parameters": [id_param()],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ArticleInput" } } } },
                    "responses": with_errors(json!({ "200": ok("AdminArticle", "The saved article") }))
                }
            },
            "/api/v1/admin/articles/{id}/schedule": { "post": {
                "summary": "Schedule publication (editors and admins)",
                "security": admin_security,
                "parameters": [id_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["at"], "properties": { "at": { "type": "string", "format": "date-time" } } } } } },
                "responses": with_errors(json!({ "200": ok("AdminArticle", "Scheduled") }))
            }},
            "/api/v1/admin/articles/{id}/publish": { "post": { "summary": "Publish now (editors and admins)", "security": admin_security, "parameters": [id_param()], "responses": with_errors(json!({ "200": ok("AdminArticle", "Published") })) }},
            "/api/v1/admin/articles/{id}/unpublish": { "post": { "summary": "Take off the site (editors and admins)", "security": admin_security, "parameters": [id_param()], "responses": with_errors(json!({ "200": ok("AdminArticle", "Back to draft") })) }},
            "/api/v1/admin/images": { "post": {
                "summary": "Upload a picture (checked by content, resized, metadata stripped)",
                "security": admin_security,
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["file", "alt"], "properties": {
                    "file": { "type": "string", "format": "binary" }, "alt": { "type": "string" }, "caption": { "type": "string" }, "credit": { "type": "string" } } } } } },
                "responses": with_errors(json!({ "201": { "description": "Stored", "content": { "application/json": { "schema": { "type": "object", "properties": { "id": { "type": "string" }, "url": { "type": "string" }, "widths": { "type": "array", "items": { "type": "integer" } } } } } } } }))
            }},
            "/api/v1/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.1" } } } }
        },
        "components": {
            "securitySchemes": {
                "contentKey": { "type": "http", "scheme": "bearer", "description": "A Content API key" },
                "adminToken": { "type": "http", "scheme": "bearer", "description": "A personal Admin API token" }
            },
            "schemas": {
                "Problem": { "type": "object", "properties": {
                    "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
                    "detail": { "type": "string" }, "field": { "type": "string" } } },
                "Link": { "type": "object", "properties": { "slug": { "type": "string" }, "name": { "type": "string" } } },
                "Picture": { "type": "object", "properties": { "url": { "type": "string" }, "srcset": { "type": "string" }, "alt": { "type": "string" }, "width": { "type": "integer" }, "height": { "type": "integer" } } },
                "ArticleSummary": { "type": "object", "properties": {
                    "id": { "type": "string" }, "slug": { "type": "string" }, "url": { "type": "string" }, "headline": { "type": "string" },
                    "standfirst": { "type": "string" }, "section": { "$ref": "#/components/schemas/Link" },
                    "published_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" },
                    "image": { "oneOf": [{ "$ref": "#/components/schemas/Picture" }, { "type": "null" }] } } },
                "ArticleList": { "type": "object", "properties": {
                    "articles": { "type": "array", "items": { "$ref": "#/components/schemas/ArticleSummary" } },
                    "page": { "type": "integer" }, "per_page": { "type": "integer" }, "total": { "type": "integer" } } },
                "ArticleDetail": { "allOf": [{ "$ref": "#/components/schemas/ArticleSummary" }, { "type": "object", "properties": {
                    "authors": { "type": "array", "items": { "$ref": "#/components/schemas/Link" } },
                    "tags": { "type": "array", "items": { "$ref": "#/components/schemas/Link" } },
                    "body_markdown": { "type": "string" }, "body_html": { "type": "string" }, "footnote": { "type": "string" },
                    "figures": { "type": "array", "items": { "type": "object" } }, "related": { "type": "array", "items": { "type": "object" } },
                    "notes": { "type": "array", "items": { "type": "object" } } } }] },
                "ArticleInput": { "type": "object", "additionalProperties": false, "properties": {
                    "version": { "type": "integer", "description": "required when updating" },
                    "headline": { "type": "string", "maxLength": 200 }, "standfirst": { "type": "string" }, "body": { "type": "string", "description": "Markdown" },
                    "footnote": { "type": "string" }, "slug": { "type": "string" }, "section": { "type": "string", "description": "section slug" },
                    "tags": { "type": "array", "items": { "type": "string" } }, "authors": { "type": "array", "items": { "type": "string" }, "description": "author slugs in byline order" },
                    "images": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "string" }, "after": { "type": "integer" } } } },
                    "related": { "type": "array", "items": { "type": "object", "properties": { "slug": { "type": "string" }, "after": { "type": "integer" } } } },
                    "featured": { "type": "boolean" }, "comments": { "type": "string", "enum": ["open", "premoderated", "closed"] } } },
                "AdminArticle": { "type": "object", "properties": {
                    "id": { "type": "string" }, "status": { "type": "string", "enum": ["draft", "review", "scheduled", "published"] }, "version": { "type": "integer" },
                    "slug": { "type": "string" }, "headline": { "type": "string" }, "standfirst": { "type": "string" }, "body": { "type": "string" },
                    "footnote": { "type": "string" }, "section": { "type": "string" }, "tags": { "type": "array", "items": { "type": "string" } },
                    "authors": { "type": "array", "items": { "type": "string" } }, "featured": { "type": "boolean" }, "comments": { "type": "string" },
                    "published_at": { "type": ["string", "null"] }, "updated_at": { "type": "string" }, "url": { "type": ["string", "null"] } } }
            }
        }
    })
}
