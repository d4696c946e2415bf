-- The public site: sections, tags, authors, images and articles.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.
-- Ids are UUIDv7 made by the application; times are bound by the application.

CREATE TABLE sections (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tags (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- An uploaded picture. The file is resized once into `widths` (space-separated
-- pixel widths) under media.dir/<id>/<width>.jpg.
CREATE TABLE images (
    id UUID PRIMARY KEY,
    alt TEXT NOT NULL,
    caption TEXT NOT NULL DEFAULT '',
    credit TEXT NOT NULL DEFAULT '',
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    widths TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE authors (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    job_title TEXT NOT NULL DEFAULT '',
    bio TEXT NOT NULL DEFAULT '',
    photo_id UUID REFERENCES images (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- published_at: when the article went (or, if scheduled, will go) live.
-- updated_at: the last change readers can see; shown as "Updated" after publication.
-- version: bumped on every save, so concurrent edits are detected.
CREATE TABLE articles (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'story' CHECK (kind IN ('story', 'liveblog')),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'review', 'scheduled', 'published')),
    headline TEXT NOT NULL,
    standfirst TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    footnote TEXT NOT NULL DEFAULT '',
    section_id UUID NOT NULL REFERENCES sections (id),
    featured BOOLEAN NOT NULL DEFAULT FALSE,
    comments TEXT NOT NULL DEFAULT 'open' CHECK (comments IN ('open', 'closed', 'premoderated')),
    published_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX articles_by_status_time ON articles (status, published_at DESC, id DESC);

CREATE INDEX articles_by_section_time ON articles (section_id, status, published_at DESC, id DESC);

CREATE TABLE article_authors (
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id UUID NOT NULL REFERENCES authors (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (article_id, author_id)
);

CREATE INDEX article_authors_by_author ON article_authors (author_id);

CREATE TABLE article_tags (
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id UUID NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);

CREATE INDEX article_tags_by_tag ON article_tags (tag_id);

-- position: the figure stands after that many body blocks; 0 is the lead picture above the body.
CREATE TABLE article_images (
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    image_id UUID NOT NULL REFERENCES images (id),
    position BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,
    PRIMARY KEY (article_id, image_id)
);

-- position: the link box stands after that many body blocks; 0 puts it at the end.
CREATE TABLE article_related (
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (article_id, related_id)
);
