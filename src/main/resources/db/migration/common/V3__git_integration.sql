-- Git integration: which projects build a repository, which branch a deployment built, and branch aliases.

-- The repository of a project, normalized (RepositoryKey: "github.com/owner/repo"), so a webhook finds every
-- project that builds it whichever URL form each project was given.
ALTER TABLE projects ADD COLUMN repo_key VARCHAR(2048);
CREATE INDEX projects_by_repo_key ON projects (repo_key);

ALTER TABLE deployments ADD COLUMN branch VARCHAR(255);
CREATE INDEX deployments_by_branch ON deployments (project_id, branch, state);

-- <project>-git-<branch>.<base> -> the newest READY deployment of the branch. Deployments numbered up to
-- closed_through (the branch's pull request was closed then) do not bring the alias back.
CREATE TABLE branch_aliases (
    project_id VARCHAR(64) NOT NULL,
    branch VARCHAR(255) NOT NULL,
    host VARCHAR(255) NOT NULL,
    deployment_id VARCHAR(64),
    deployment_number BIGINT DEFAULT 0 NOT NULL,
    closed_through BIGINT DEFAULT 0 NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (project_id, branch)
);
