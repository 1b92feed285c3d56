"""Request-level API errors with English and Russian texts.

The real API localises ``error_string``/``error_detail`` by ``Accept-Language``; clients must key on
``error_code`` only, and serving both languages lets tests prove that they do.
"""

from __future__ import annotations

from typing import Any

# Texts of https://yandex.com/dev/direct/doc/en/concepts/errors-list (and its ru twin) where the list is
# readable; 4001's Russian text is the one a real answer carried (selesnow/ryandexdirect issue 27).
ERROR_STRINGS: dict[int, tuple[str, str]] = {
    52: ("Authorization server temporarily unavailable", "Сервер авторизации временно недоступен"),
    53: ("Authorization error", "Ошибка авторизации"),
    54: ("No rights", "Нет прав"),
    55: ("Operation not found", "Не найдена операция"),
    56: ("Request limit exceeded", "Превышен лимит запросов"),
    152: ("Not enough Yandex units", "Недостаточно баллов"),
    506: ("Exceeded limit on number of connections", "Превышено ограничение на количество соединений"),
    513: ("Your username is not enabled in Yandex Direct", "Ваш логин не подключен к Яндекс.Директу"),
    1000: ("Server temporarily unavailable", "Сервер временно недоступен"),
    1001: ("Service initialization error", "Ошибка инициализации сервиса"),
    1002: ("Operation error", "Ошибка операции"),
    1020: ("Internal server error", "Внутренняя ошибка сервера"),
    4000: ("Invalid request parameters", "Параметры запроса указаны неверно"),
    4001: ("Invalid selection criteria", "Неверно заданы параметры фильтрации SelectionCriteria"),
    4002: ("Invalid paging parameters", "Неверно заданы параметры страницы"),
    8000: ("Invalid request", "Некорректный запрос"),
    9000: ("Offline report queue limit exceeded", "Превышен лимит очереди офлайн-отчетов"),
    9001: (
        "Report cannot be built online, use offline mode",
        "Отчет не может быть сформирован в онлайн-режиме, используйте офлайн-режим",
    ),
}

# Detail templates, keyed by a stable name so call sites never hard-code a language. The English texts of
# "invalid_json", "required" and "unknown_param" follow error bodies of the real API captured by public clients.
DETAILS: dict[str, tuple[str, str]] = {
    "token_missing": ("OAuth token is missing", "Не передан OAuth-токен"),
    "token_invalid": ("Invalid OAuth token", "Недействительный OAuth-токен"),
    "client_login_required": (
        "Client-Login header is required for agency requests",
        "Для запросов агентства необходимо указать заголовок Client-Login",
    ),
    "login_not_served": (
        "Client {login} is not served by agency {agency}",
        "Клиент {login} не обслуживается агентством {agency}",
    ),
    "foreign_login": (
        "No access to client {login}",
        "Нет доступа к клиенту {login}",
    ),
    "login_unknown": (
        "Login {login} does not exist in Yandex Direct",
        "Логин {login} не существует в Яндекс.Директе",
    ),
    "agency_only": (
        "The AgencyClients service is available to agencies only",
        "Сервис AgencyClients доступен только агентствам",
    ),
    "unknown_service": ("Service {service} not found", "Сервис {service} не найден"),
    "unknown_method": (
        "Method {method} is not supported by service {service}",
        "Метод {method} не поддерживается сервисом {service}",
    ),
    "invalid_json": ("Not able to process JSON/XML", "Тело запроса не является корректным JSON"),
    "bad_envelope": (
        "Request must be an object with method and params",
        "Запрос должен быть объектом с полями method и params",
    ),
    "required": ("Omitted required parameter {field}", "Не указано обязательное поле {field}"),
    "must_be_object": ("Field {field} must be an object", "Поле {field} должно быть объектом"),
    "must_be_array": ("Field {field} must be an array", "Поле {field} должно быть массивом"),
    "invalid_value": (
        "Field {field} contains an invalid value: {value}",
        "Поле {field} содержит недопустимое значение: {value}",
    ),
    "unknown_param": ("Unknown parameter specified: {field}", "Неизвестный параметр {field}"),
    "ids_cap": (
        "Array {field} must contain from 1 to {cap} elements",
        "Массив {field} должен содержать от 1 до {cap} элементов",
    ),
    "selection_required": (
        "SelectionCriteria must contain one of: {fields}",
        "В SelectionCriteria необходимо указать одно из полей: {fields}",
    ),
    "exactly_one": (
        "Exactly one of {fields} must be specified",
        "Необходимо указать ровно одно из полей: {fields}",
    ),
    "timestamp_format": (
        "Field {field} must be in format YYYY-MM-DDThh:mm:ssZ",
        "Поле {field} должно быть в формате YYYY-MM-DDThh:mm:ssZ",
    ),
    "page_limit": (
        "Page.Limit must be between 1 and {cap}",
        "Значение Page.Limit должно быть от 1 до {cap}",
    ),
    "page_offset": ("Page.Offset must not be negative", "Значение Page.Offset не может быть отрицательным"),
    "page_window": (
        "Page.Limit plus Page.Offset must not exceed {cap}",
        "Сумма Page.Limit и Page.Offset не должна превышать {cap}",
    ),
    "dictionary_not_emulated": (
        "Dictionary {name} is not available in the emulator",
        "Справочник {name} недоступен в эмуляторе",
    ),
    "not_enough_units": (
        "Daily units limit exhausted; the balance is refilled hourly by 1/24 of the daily limit",
        "Суточный лимит баллов исчерпан; баланс пополняется ежечасно на 1/24 суточного лимита",
    ),
    "too_many_connections": (
        "More than {limit} simultaneous requests for login {login}",
        "Более {limit} одновременных запросов для логина {login}",
    ),
    "smart_campaign": (
        "Operation is not supported for smart-banner campaigns",
        "Операция не поддерживается для кампаний типа «Смарт-баннеры»",
    ),
    "injected": ("Injected fault", "Искусственная ошибка"),
    # Reports service (see ``emulator.reports``).
    "report_field": ("Field {field}: {problem}", "Поле {field}: {problem}"),
    "report_name_taken": (
        "A report named {name!r} with other parameters already exists; use another ReportName",
        "Отчет с именем {name!r} и другими параметрами уже существует; укажите другое ReportName",
    ),
    "report_queue_full": (
        "At most {limit} offline reports may be queued or building for login {login}",
        "В очереди может быть не более {limit} офлайн-отчетов для логина {login}",
    ),
    "report_too_big": (
        "The report has about {rows} rows, more than {limit} allowed online",
        "Отчет содержит около {rows} строк, больше допустимых онлайн {limit}",
    ),
    "report_rate_limit": (
        "At most {limit} Reports requests per {window} seconds per login",
        "Не более {limit} запросов к сервису Reports за {window} секунд на логин",
    ),
    "report_server_error": ("Server error while building the report", "Ошибка сервера при формировании отчета"),
    "report_timeout": (
        "Server processing time limit exceeded; shorten the report period or reduce the number of fields",
        "Превышено время обработки на сервере; сократите период отчета или уменьшите количество полей",
    ),
}


class ApiError(Exception):
    """An error answered with the API's ``{"error": {...}}`` envelope."""

    def __init__(self, code: int, detail: str, **params: Any) -> None:
        super().__init__(code, detail, params)
        self.code = code
        self.detail = detail
        self.params = params

    def error_string(self, lang: str) -> str:
        en, ru = ERROR_STRINGS.get(self.code, ("Error", "Ошибка"))
        return ru if lang == "ru" else en

    def error_detail(self, lang: str) -> str:
        en, ru = DETAILS[self.detail]
        return (ru if lang == "ru" else en).format(**self.params)


def language(header: str | None) -> str:
    """``ru`` when the client prefers Russian, English otherwise (the API's default)."""
    if header and header.strip().lower().startswith("ru"):
        return "ru"
    return "en"
