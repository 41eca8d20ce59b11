-- Custom domains (ADR 0008): one row per domain, written by the domains projection from Project events; the
-- domain worker keeps its check and order schedule in the last columns.
CREATE TABLE domains (
    name VARCHAR(253) PRIMARY KEY,
    project_id VARCHAR(64) NOT NULL,
    token VARCHAR(128) NOT NULL,
    verification VARCHAR(16) NOT NULL,
    certificate_status VARCHAR(16) NOT NULL,
    certificate_expires_at TIMESTAMP WITH TIME ZONE,
    -- Counts issued and renewed certificates: edges reload a domain's certificate when it changes.
    certificate_version BIGINT DEFAULT 0 NOT NULL,
    production_deployment_id VARCHAR(64),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    check_failures INT DEFAULT 0 NOT NULL,
    next_check_at TIMESTAMP WITH TIME ZONE,
    last_check_result VARCHAR(1024),
    next_order_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX domains_by_project ON domains (project_id);
