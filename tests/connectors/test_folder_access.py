from connectors.documents import FolderAccess

ACCESS = FolderAccess(
    {
        "Corporate": ["All Staff"],
        "Planning": ["All Staff"],
        "Planning/Team": ["Staff - Planning"],
        "HR and Organisational Development/Confidential": ["HR Confidential"],
    }
)


def test_longest_folder_wins() -> None:
    assert ACCESS.may_read("Planning/Plans/Local Plan.md", ["all staff"])
    assert not ACCESS.may_read("Planning/Team/Rota.csv", ["All Staff"])
    assert ACCESS.may_read("Planning/Team/Rota.csv", ["Staff - Planning"])


def test_a_folder_name_prefix_is_not_a_parent() -> None:
    assert not ACCESS.may_read("Planning Appeals/x.md", ["All Staff"])


def test_documents_under_no_rule_are_readable_by_nobody() -> None:
    assert not ACCESS.may_read("Secret/plan.md", ["All Staff", "HR Confidential"])
    assert ACCESS.readers("Secret/plan.md") == frozenset()


def test_confidential_folder() -> None:
    path = "HR and Organisational Development/Confidential/Restructure.md"
    assert not ACCESS.may_read(path, ["All Staff", "Staff - HR and Organisational Development"])
    assert ACCESS.may_read(path, ["HR Confidential"])
