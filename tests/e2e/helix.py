"""A Helix-like client for the e2e tests: pytest-lsp ships no Helix preset.

Source: the `ClientCapabilities` that `Client::initialize` sends in Helix's
`helix-lsp/src/client.rs` (helix-editor/helix, commit
0002bec4aaf2ae6ba8e1114792222a9e5d7bc073), transcribed field by field. What matters
for claude-lsp: work-done progress, `workspace/applyEdit` with `documentChanges` and
create/rename/delete resource operations but no change annotations, executeCommand,
code actions with literal support, publishDiagnostics, and no `window.showMessage`
(Helix 25.07 answers `window/showMessageRequest` with -32601), so the approval queue is
the way claude-lsp asks it for permission. Snippet support is on, as Helix enables it
by default.
"""

from __future__ import annotations

from lsprotocol import types

CODE_ACTION_KINDS = [
    "",
    "quickfix",
    "refactor",
    "refactor.extract",
    "refactor.inline",
    "refactor.rewrite",
    "source",
    "source.organizeImports",
]


def helix_capabilities() -> types.ClientCapabilities:
    """The capabilities Helix's `initialize` request declares."""
    no_dynamic = types.DidChangeConfigurationClientCapabilities(dynamic_registration=False)
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            did_change_configuration=no_dynamic,
            workspace_folders=True,
            apply_edit=True,
            symbol=types.WorkspaceSymbolClientCapabilities(dynamic_registration=False),
            execute_command=types.ExecuteCommandClientCapabilities(dynamic_registration=False),
            inlay_hint=types.InlayHintWorkspaceClientCapabilities(refresh_support=False),
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[
                    types.ResourceOperationKind.Create,
                    types.ResourceOperationKind.Rename,
                    types.ResourceOperationKind.Delete,
                ],
                failure_handling=types.FailureHandlingKind.Abort,
                normalizes_line_endings=False,
                change_annotation_support=None,
            ),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True, relative_pattern_support=False
            ),
            file_operations=types.FileOperationClientCapabilities(
                will_rename=True, did_rename=True
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(
                    snippet_support=True,
                    resolve_support=types.ClientCompletionItemResolveOptions(
                        properties=["documentation", "detail", "additionalTextEdits"]
                    ),
                    insert_replace_support=True,
                    deprecated_support=True,
                    tag_support=types.CompletionItemTagOptions(
                        value_set=[types.CompletionItemTag.Deprecated]
                    ),
                ),
                completion_item_kind=types.ClientCompletionItemOptionsKind(),
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            signature_help=types.SignatureHelpClientCapabilities(
                signature_information=types.ClientSignatureInformationOptions(
                    documentation_format=[types.MarkupKind.Markdown],
                    parameter_information=types.ClientSignatureParameterInformationOptions(
                        label_offset_support=True
                    ),
                    active_parameter_support=True,
                )
            ),
            rename=types.RenameClientCapabilities(
                dynamic_registration=False, prepare_support=True, honors_change_annotations=False
            ),
            formatting=types.DocumentFormattingClientCapabilities(dynamic_registration=False),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=CODE_ACTION_KINDS)
                ),
                is_preferred_support=True,
                disabled_support=True,
                data_support=True,
                resolve_support=types.ClientCodeActionResolveOptions(
                    properties=["edit", "command"]
                ),
            ),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True,
                tag_support=types.ClientDiagnosticsTagOptions(
                    value_set=[types.DiagnosticTag.Unnecessary, types.DiagnosticTag.Deprecated]
                ),
            ),
            inlay_hint=types.InlayHintClientCapabilities(dynamic_registration=False),
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
        general=types.GeneralClientCapabilities(
            position_encodings=[
                types.PositionEncodingKind.Utf8,
                types.PositionEncodingKind.Utf32,
                types.PositionEncodingKind.Utf16,
            ]
        ),
    )
