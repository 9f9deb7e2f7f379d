"""Support's read models, built from the topics it consumes, in one database."""

from sqlalchemy import MetaData

from servicekit.aliases import AliasBook

metadata = MetaData()
references = AliasBook(metadata)

ERP_CUSTOMER = "erp-customer:"
ORDER = "order:"
