-- Full-text search on PostgreSQL: a weighted tsvector per published article
-- (headline A, standfirst B, body C), folded for case and accents, kept by a
-- trigger so every way an article changes keeps it fresh on every instance.

CREATE FUNCTION broadsheet_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(lower(t),
        'áàâäãåāăąéèêëēėęěíìîïīįóòôöõōőúùûüūůűųçćčñńňýÿžźżšśşřďťľğ',
        'aaaaaaaaaeeeeeeeeiiiiiiooooooouuuuuuuucccnnnyyzzzsssrdtlg')
$$;

CREATE TABLE search_docs (
    article_id UUID PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    document tsvector NOT NULL
);

CREATE INDEX search_docs_document ON search_docs USING GIN (document);

CREATE FUNCTION broadsheet_search_document(headline text, standfirst text, body text) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
    SELECT setweight(to_tsvector('simple', broadsheet_fold(headline)), 'A')
        || setweight(to_tsvector('simple', broadsheet_fold(standfirst)), 'B')
        || setweight(to_tsvector('simple', broadsheet_fold(body)), 'C')
$$;

CREATE FUNCTION broadsheet_index_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_docs WHERE article_id = NEW.id;
    IF NEW.status = 'published' THEN
        INSERT INTO search_docs (article_id, document)
        VALUES (NEW.id, broadsheet_search_document(NEW.headline, NEW.standfirst, NEW.body));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_search AFTER INSERT OR UPDATE OF status, headline, standfirst, body ON articles
    FOR EACH ROW EXECUTE FUNCTION broadsheet_index_article();

INSERT INTO search_docs (article_id, document)
    SELECT id, broadsheet_search_document(headline, standfirst, body) FROM articles WHERE status = 'published';
