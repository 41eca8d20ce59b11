-- Read models written by projections; the journal stays the system of record.
CREATE TABLE projects (
    id VARCHAR(64) PRIMARY KEY,
    name VARCHAR(63) NOT NULL,
    owner VARCHAR(255) NOT NULL,
    git_repo_url VARCHAR(2048),
    git_branch VARCHAR(255),
    root_directory VARCHAR(1024),
    framework VARCHAR(64),
    install_command VARCHAR(4096),
    build_command VARCHAR(4096),
    output_directory VARCHAR(1024),
    production_deployment_id VARCHAR(64),
    deleted BOOLEAN DEFAULT FALSE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX projects_by_owner ON projects (owner, created_at, id);

CREATE TABLE deployments (
    id VARCHAR(64) PRIMARY KEY,
    project_id VARCHAR(64) NOT NULL,
    number BIGINT NOT NULL,
    state VARCHAR(16) NOT NULL,
    target VARCHAR(16) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX deployments_by_project ON deployments (project_id, number);

-- Host name -> deployment; the edge's route table is warmed from here.
CREATE TABLE routes (
    host VARCHAR(255) PRIMARY KEY,
    deployment_id VARCHAR(64) NOT NULL,
    project_id VARCHAR(64) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX routes_by_project ON routes (project_id);
CREATE INDEX routes_by_deployment ON routes (deployment_id);

-- Builds waiting for a worker, and the lease of the worker that took one.
CREATE TABLE build_queue (
    deployment_id VARCHAR(64) PRIMARY KEY,
    project_id VARCHAR(64) NOT NULL,
    queued_at TIMESTAMP WITH TIME ZONE NOT NULL,
    worker VARCHAR(255),
    lease_until TIMESTAMP WITH TIME ZONE
);
CREATE INDEX build_queue_by_time ON build_queue (queued_at);

CREATE TABLE build_logs (
    deployment_id VARCHAR(64) NOT NULL,
    seq BIGINT NOT NULL,
    at TIMESTAMP WITH TIME ZONE NOT NULL,
    stream VARCHAR(8) NOT NULL,
    text VARCHAR(16384) NOT NULL,
    PRIMARY KEY (deployment_id, seq)
);

-- Projects the routing projection has seen deleted: late deployment events add no host for them.
CREATE TABLE deleted_projects (
    project_id VARCHAR(64) PRIMARY KEY,
    deleted_at TIMESTAMP WITH TIME ZONE NOT NULL
);
