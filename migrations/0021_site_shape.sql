-- What the newsroom shapes beyond its stories: standing pages (About,
-- Privacy…), the menus that lead to them, and edited fronts.

-- A page that is not news. Reached at /{slug}, which no section may also take.
-- version: bumped on every save, so concurrent edits are detected.
CREATE TABLE pages (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    published BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Every saved version of a page, as it was saved.
CREATE TABLE page_revisions (
    page_id UUID NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    body TEXT NOT NULL,
    published BOOLEAN NOT NULL,
    staff_id UUID REFERENCES staff (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (page_id, version)
);

-- The section navigation ('main') and the footer, in order. A menu with no
-- rows is drawn from the site itself (the sections; the feeds).
CREATE TABLE menu_items (
    id UUID PRIMARY KEY,
    menu TEXT NOT NULL CHECK (menu IN ('main', 'footer')),
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX menu_items_in_order ON menu_items (menu, position);

-- An edited front: the homepage ('/') or a section's ('/world'). Its layout
-- is JSON (containers and their curated slots); the draft is what the editor
-- works on, `published` what readers see (NULL: the automatic front).
CREATE TABLE fronts (
    path TEXT PRIMARY KEY,
    draft TEXT NOT NULL,
    version BIGINT NOT NULL,
    published TEXT,
    published_version BIGINT,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE front_revisions (
    path TEXT NOT NULL,
    version BIGINT NOT NULL,
    layout TEXT NOT NULL,
    staff_id UUID REFERENCES staff (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (path, version)
);
